// The assistance form, enhanced: FAQ answers that may help appear while the parent writes.
// Without this file, the same answers are shown on a "Vérifier" step before sending.
(function () {
  var form = document.getElementById("formulaire-assistance");
  if (!form || !window.fetch) { return; }
  document.getElementById("js-actif").value = "1";
  var message = document.getElementById("message");
  var target = document.getElementById("suggestions-direct");
  var timer = null;
  var lastText = "";

  function refresh() {
    var text = message.value.trim();
    if (text.length < 15 || text === lastText) { return; }
    lastText = text;
    var body = new FormData();
    ["_csrf_token", "form_id", "academie", "category", "requester_kind"].forEach(function (name) {
      body.append(name, form.elements[name].value);
    });
    body.append("message", text);
    fetch("/assistance/suggestions", { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        target.innerHTML = html;
        var next = document.getElementById("continuer-demande");
        if (next) {
          next.hidden = false;
          next.addEventListener("click", function () { target.innerHTML = ""; message.focus(); });
        }
      })
      .catch(function () { /* suggestions are a help, never a blocker */ });
  }

  // The pupils' answers are offered to a pupil only: a change of « Vous êtes » asks again.
  Array.prototype.forEach.call(form.elements.requester_kind, function (radio) {
    radio.addEventListener("change", function () { lastText = ""; refresh(); });
  });
  message.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 700);
  });
})();
