// Conversations. On a statement to vote on, the keys A (agree), D (disagree) and P (pass) press
// the matching button, unless the reader is typing in a field. On the opinion map, pointing at
// or focusing a row of the groups' table dims the other groups' hulls. The forms and the table
// work without this script.
(function () {
  "use strict";
  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) {
      return;
    }
    var form = document.querySelector("form[data-vote-keys]");
    if (!form) {
      return;
    }
    var value = { a: "agree", d: "disagree", p: "pass" }[event.key.toLowerCase()];
    var button = value && form.querySelector("button[value=" + value + "]");
    if (button) {
      event.preventDefault();
      button.click();
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var figure = document.querySelector("[data-opinion-map]");
    if (!figure) {
      return;
    }
    function show(group) {
      figure.querySelectorAll(".hull").forEach(function (hull) {
        hull.classList.toggle("dim", group !== null && hull.getAttribute("data-group") !== group);
      });
    }
    document.querySelectorAll("table.groups tr[data-group]").forEach(function (row) {
      row.tabIndex = 0;
      ["mouseenter", "focus"].forEach(function (name) {
        row.addEventListener(name, function () { show(row.getAttribute("data-group")); });
      });
      ["mouseleave", "blur"].forEach(function (name) {
        row.addEventListener(name, function () { show(null); });
      });
    });
  });
})();
