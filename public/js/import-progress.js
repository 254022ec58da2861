// Progressive enhancement of the import progress page: without this file, the page has an
// "Actualiser la progression" link. With it, the figures follow the import every two
// seconds; the polite live region speaks only at each tenth of the way or change of phase
// (every two seconds would drown a screen reader), and the page reloads to show the result.
(function () {
  'use strict';
  var root = document.querySelector('[data-import-progress]');
  if (!root || !window.fetch) return;
  var url = root.getAttribute('data-status-url');
  var message = root.querySelector('[data-import-message]');
  var rows = root.querySelector('[data-import-rows]');
  var accounts = root.querySelector('[data-import-accounts]');
  var lastStep = null;
  var failures = 0;

  function step(state) {
    if (state.phase === 'rows') return 'rows-' + Math.floor((10 * state.processedRows) / Math.max(state.totalRows, 1));
    return 'accounts-' + Math.floor((10 * state.accountsDone) / Math.max(state.accountsTotal, 1));
  }

  function show(state) {
    if (rows) {
      rows.value = state.processedRows;
      rows.textContent = state.processedRows + ' sur ' + state.totalRows;
    }
    if (accounts) {
      accounts.value = state.accountsDone;
      accounts.textContent = state.accountsDone + ' sur ' + state.accountsTotal;
    }
    var current = step(state);
    // The page already says where the import stood when it was loaded.
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
        // A new phase brings a second progress bar: the server draws it.
        if (state.phase === 'accounts' && !accounts && state.accountsTotal > 0) {
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
