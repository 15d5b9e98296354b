// Enhancements only: every page works without this file.
(function () {
  // Open the question an anchor points to (/aide#identifiant-perdu).
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (target && target.tagName === "DETAILS") { target.open = true; }
  }
  window.addEventListener("hashchange", openTarget);
  document.addEventListener("DOMContentLoaded", openTarget);

  // Vote without leaving the page.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("faq-vote")) { return; }
    var button = event.submitter;
    if (!button || !window.fetch) { return; }
    event.preventDefault();
    var body = new URLSearchParams({ utile: button.value });
    fetch(form.action, { method: "POST", body: body, headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response); })
      .then(function (data) {
        form.querySelector(".faq-vote__thanks").textContent = data.message;
        form.querySelector("fieldset").disabled = true;
      })
      .catch(function () {
        form.querySelector(".faq-vote__thanks").textContent =
          "Votre avis n'a pas pu être enregistré. Réessayez plus tard.";
      });
  });

})();
