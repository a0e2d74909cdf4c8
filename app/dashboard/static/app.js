// tthc-monitor dashboard: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Sort the rows of the current page by a column (cells carry data-value).
  function sortTable(table, th) {
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var numeric = th.getAttribute("data-sort") === "number";
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var collator = new Intl.Collator("vi", { numeric: true, sensitivity: "base" });
    rows.sort(function (a, b) {
      var x = a.cells[index].getAttribute("data-value") || a.cells[index].textContent.trim();
      var y = b.cells[index].getAttribute("data-value") || b.cells[index].textContent.trim();
      var order = numeric ? parseFloat(x) - parseFloat(y) : collator.compare(x, y);
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.querySelectorAll("th[aria-sort]"), function (other) {
      other.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  function enhanceTables() {
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
      Array.prototype.forEach.call(table.querySelectorAll("th[data-sort]"), function (th) {
        th.tabIndex = 0;
        th.addEventListener("click", function () { sortTable(table, th); });
        th.addEventListener("keydown", function (event) {
          if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sortTable(table, th); }
        });
      });
    });
  }

  // Ask before a form that changes something (approve, issue).
  function confirmForms() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  }

  // A period select submits its form as soon as it changes.
  function autoSubmit() {
    Array.prototype.forEach.call(document.querySelectorAll("select[data-autosubmit]"), function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  // On a narrow screen a chart over time opens on its latest months.
  function showLatest() {
    Array.prototype.forEach.call(document.querySelectorAll(".chart-scroll"), function (box) {
      box.scrollLeft = box.scrollWidth;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    showLatest();
    enhanceTables();
    confirmForms();
    autoSubmit();
  });
})();
