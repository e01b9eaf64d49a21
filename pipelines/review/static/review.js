// A click on a value marks where it came from: its words in the page text and on the page image.
(function () {
  "use strict";
  var notHere = document.documentElement.lang === "en" ? "not found on this page" : "không thấy trên trang này";
  function show(ref, origin) {
    document.querySelectorAll(".active-ref").forEach(function (el) { el.classList.remove("active-ref"); });
    document.querySelectorAll(".not-here").forEach(function (el) { el.classList.remove("not-here"); });
    var hits = Array.prototype.filter.call(document.querySelectorAll("[data-refs]"), function (el) {
      return (" " + el.getAttribute("data-refs") + " ").indexOf(" " + ref + " ") >= 0;
    });
    hits.forEach(function (el) { el.classList.add("active-ref"); });
    var inText = hits.filter(function (el) { return el.tagName === "MARK"; });
    if (inText.length) {
      inText[0].scrollIntoView({ block: "center", behavior: "smooth" });
    } else if (!hits.length && origin) {
      origin.setAttribute("data-not-here", notHere);
      origin.classList.add("not-here");
    }
  }
  document.addEventListener("click", function (event) {
    var value = event.target.closest("[data-source]");
    if (value) { show(value.getAttribute("data-source"), value); }
  });
  document.addEventListener("keydown", function (event) {
    var value = event.target.closest && event.target.closest("[data-source]");
    if (value && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); show(value.getAttribute("data-source"), value); }
  });
})();
