// Progressive enhancement only: every page works without this file.
(function () {
  'use strict';
  // Move focus to the error summary so screen-reader and keyboard users hear the problems first.
  var summary = document.querySelector('[data-error-summary]');
  if (summary) summary.focus();

  // Session time limit (RGAA 13.1): warn 5 minutes before the 30-minute idle limit and
  // offer to stay signed in; the form works without script too.
  var warning = document.querySelector('[data-session-warning]');
  if (warning) {
    var IDLE_MS = 30 * 60 * 1000;
    var WARN_BEFORE_MS = 5 * 60 * 1000;
    window.setTimeout(function () {
      warning.hidden = false;
      warning.setAttribute('role', 'alert');
      var button = warning.querySelector('button');
      if (button) button.focus();
    }, IDLE_MS - WARN_BEFORE_MS);
  }

  // CGU: the accept button becomes active once the text has been read to its end.
  var cgu = document.querySelector('[data-cgu-text]');
  var accept = document.querySelector('[data-cgu-accept]');
  if (cgu && accept) {
    var hint = document.querySelector('[data-cgu-hint]');
    var enable = function () {
      accept.removeAttribute('aria-disabled');
      accept.disabled = false;
      if (hint) hint.hidden = true;
    };
    var atEnd = function () {
      return cgu.scrollTop + cgu.clientHeight >= cgu.scrollHeight - 4;
    };
    if (!atEnd()) {
      accept.disabled = true;
      if (hint) hint.hidden = false;
      cgu.addEventListener('scroll', function () {
        if (atEnd()) enable();
      });
      // Keyboard users reach the end with the link placed after the text.
      var end = document.querySelector('[data-cgu-end]');
      if (end) end.addEventListener('focus', enable);
    }
  }
})();
