// Enhancements only: every page works without this file.
(function () {
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
        var thanks = form.querySelector(".faq-vote__thanks");
        thanks.textContent = "";
        var text = document.createElement("p");
        text.textContent = data.message;
        thanks.appendChild(text);
        // « Non »: the same ways on as the page without JavaScript (form, contacts).
        if (data.links && data.links.length) {
          var list = document.createElement("ul");
          list.className = "fr-btns-group fr-btns-group--inline-md fr-btns-group--sm";
          data.links.forEach(function (link, index) {
            var item = document.createElement("li");
            var anchor = document.createElement("a");
            anchor.className = "fr-btn fr-btn--sm" + (index ? " fr-btn--secondary" : "");
            anchor.href = link.href;
            anchor.textContent = link.label;
            item.appendChild(anchor);
            list.appendChild(item);
          });
          thanks.appendChild(list);
        }
        form.querySelector("fieldset").disabled = true;
      })
      .catch(function () {
        form.querySelector(".faq-vote__thanks").textContent =
          "Votre avis n'a pas pu être enregistré. Réessayez plus tard.";
      });
  });

})();
