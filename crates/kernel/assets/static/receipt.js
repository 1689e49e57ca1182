// A vote's receipt kept in this browser only: the receipt page stores its tracker under the
// vote's id and offers to copy and print it; the vote's page and its trackers' page show it
// again on return (and fill the check form with it). Nothing of it ever leaves the browser:
// a tracker mailed or stored with an account would link the voter to their ballot.
(function () {
  "use strict";
  var PREFIX = "territoires.receipt.";

  function read(vote) {
    try {
      return JSON.parse(window.localStorage.getItem(PREFIX + vote) || "null");
    } catch (e) {
      return null;
    }
  }

  function keep(vote, tracker) {
    try {
      window.localStorage.setItem(PREFIX + vote, JSON.stringify({ tracker: tracker, at: Date.now() }));
      return true;
    } catch (e) {
      return false;
    }
  }

  function forget(vote) {
    try {
      window.localStorage.removeItem(PREFIX + vote);
    } catch (e) {
      /* storage refused: nothing was kept */
    }
  }

  function say(box, text) {
    var status = box.querySelector("[data-receipt-status]");
    if (status) status.textContent = text;
  }

  // The receipt page: keep the tracker, offer copy and print.
  function receipt(box) {
    var vote = box.getAttribute("data-vote");
    var tracker = box.getAttribute("data-tracker");
    var kept = keep(vote, tracker);
    box.querySelectorAll("[data-receipt-kept]").forEach(function (el) { el.hidden = !kept; });
    var copy = box.querySelector("[data-receipt-copy]");
    if (copy && navigator.clipboard) {
      copy.hidden = false;
      copy.addEventListener("click", function () {
        navigator.clipboard.writeText(tracker).then(
          function () { say(box, box.getAttribute("data-msg-copied")); },
          function () { say(box, box.getAttribute("data-msg-not-copied")); }
        );
      });
    }
    var print = box.querySelector("[data-receipt-print]");
    if (print) {
      print.hidden = false;
      print.addEventListener("click", function () { window.print(); });
    }
  }

  // A vote's page or its trackers' page: show the kept tracker, let it be forgotten.
  function saved(box) {
    var vote = box.getAttribute("data-vote");
    var found = read(vote);
    if (!found || !found.tracker) return;
    box.querySelector("[data-saved-tracker]").textContent = found.tracker;
    box.hidden = false;
    var fill = document.getElementById(box.getAttribute("data-fill") || "");
    if (fill && !fill.value) fill.value = found.tracker;
    var button = box.querySelector("[data-receipt-forget]");
    if (button) {
      button.addEventListener("click", function () {
        forget(vote);
        box.hidden = true;
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-receipt]").forEach(receipt);
    document.querySelectorAll("[data-saved-receipt]").forEach(saved);
  });
})();
