// The FAQ's accordions (DSFR): the question an anchor points to (/aide#identifiant-perdu) is
// opened. Loaded without `defer`, after the questions: it runs before the DSFR's script (a
// module, run once the page is parsed), which then opens it as it opens any accordion whose
// button says aria-expanded="true". Later anchors (hashchange) change the same attribute,
// which the DSFR's script watches.
(function () {
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    var button = target && target.classList.contains("fr-accordion") &&
      target.querySelector(".fr-accordion__btn");
    if (button) { button.setAttribute("aria-expanded", "true"); }
  }
  openTarget();
  window.addEventListener("hashchange", openTarget);
})();
