// Progressive enhancement of an invoicing run's progress page: without this file the page
// has an "Actualiser la progression" link. With it, the bar follows the run every two
// seconds; the polite live region speaks only at each tenth of the way (every two seconds
// would drown a screen reader), and the page reloads once to show the result, after which
// nothing refreshes any more.
(function () {
  'use strict';
  var root = document.querySelector('[data-run-progress]');
  if (!root || !window.fetch) return;
  var url = root.getAttribute('data-status-url');
  var message = root.querySelector('[data-run-message]');
  var bar = root.querySelector('[data-run-families]');
  var lastStep = null;
  var failures = 0;

  function show(state) {
    bar.max = Math.max(state.totalFamilies, 1);
    bar.value = state.processedFamilies;
    bar.textContent = state.processedFamilies + ' sur ' + state.totalFamilies;
    var step = state.status + '-' + Math.floor((10 * state.processedFamilies) / Math.max(state.totalFamilies, 1));
    if (lastStep === null) lastStep = step;
    if (step !== lastStep) {
      lastStep = step;
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
        show(state);
        window.setTimeout(poll, 2000);
      })
      .catch(function () {
        failures += 1;
        if (failures < 5) window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 2000);
})();
