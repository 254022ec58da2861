// Progressive enhancement of a background job's progress page (a families import, an invoicing
// run): without this file the page has an "Actualiser la progression" link. With it, the bars
// follow the job every two seconds; the polite live region speaks only at each tenth of the way
// or change of phase (every two seconds would drown a screen reader), and the page reloads once
// to show the result, after which nothing refreshes any more.
//
// The page says what to follow through data- attributes, so both pages share this one script:
//   [data-job-progress]   data-status-url: the JSON status; data-phase-field: the status field
//                         naming the phase ("phase", "status"); optionally data-new-phase and
//                         data-new-phase-total: a later phase whose bar the server draws, so the
//                         page reloads when that phase starts with something to count;
//   [data-job-message]    the live region;
//   [data-job-bar]        a <progress>, data-done and data-total: the status fields it shows,
//                         data-phase (optional): the phase it counts (none: it counts every phase).
(function () {
  'use strict';
  var root = document.querySelector('[data-job-progress]');
  if (!root || !window.fetch) return;
  var url = root.getAttribute('data-status-url');
  var phaseField = root.getAttribute('data-phase-field');
  var newPhase = root.getAttribute('data-new-phase');
  var newPhaseTotal = root.getAttribute('data-new-phase-total');
  var message = root.querySelector('[data-job-message]');
  var bars = Array.prototype.slice.call(root.querySelectorAll('[data-job-bar]'));
  var lastStep = null;
  var failures = 0;

  function barOfPhase(phase) {
    for (var i = 0; i < bars.length; i += 1) {
      var barPhase = bars[i].getAttribute('data-phase');
      if (!barPhase || barPhase === phase) return bars[i];
    }
    return null;
  }

  function step(state) {
    var phase = state[phaseField];
    var bar = barOfPhase(phase);
    if (!bar) return phase + '-';
    var total = Math.max(state[bar.getAttribute('data-total')], 1);
    return phase + '-' + Math.floor((10 * state[bar.getAttribute('data-done')]) / total);
  }

  function show(state) {
    bars.forEach(function (bar) {
      var done = state[bar.getAttribute('data-done')];
      var total = state[bar.getAttribute('data-total')];
      bar.max = Math.max(total, 1);
      bar.value = done;
      bar.textContent = done + ' sur ' + total;
    });
    var current = step(state);
    // The page already says where the job stood when it was loaded.
    if (lastStep === null) lastStep = current;
    if (current !== lastStep) {
      lastStep = current;
      message.textContent = state.message;
    }
  }

  function poll() {
    window
      .fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.json();
      })
      .then(function (state) {
        failures = 0;
        if (state.finished) {
          window.location.reload();
          return;
        }
        // A new phase brings another progress bar: the server draws it.
        if (
          newPhase &&
          state[phaseField] === newPhase &&
          !root.querySelector('[data-job-bar][data-phase="' + newPhase + '"]') &&
          state[newPhaseTotal] > 0
        ) {
          window.location.reload();
          return;
        }
        show(state);
        window.setTimeout(poll, 2000);
      })
      .catch(function () {
        // The session may have ended or the network dropped: after a few tries, leave it to the link.
        failures += 1;
        if (failures < 5) window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 2000);
})();
