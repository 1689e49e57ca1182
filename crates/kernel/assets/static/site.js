// Every page: after a failed submit, the page's title starts with "Erreur : " and the error
// summary has the focus (its autofocus attribute gives it without this script), so that a
// screen reader announces the failure and its list of errors first.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (!summary) return;
    var prefix = summary.getAttribute("data-title-prefix") || "";
    if (prefix && document.title.indexOf(prefix) !== 0) {
      document.title = prefix + document.title;
    }
    if (document.activeElement !== summary) summary.focus();
  });
})();
