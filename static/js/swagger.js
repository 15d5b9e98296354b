// Starts the /schema viewer (Swagger UI): a file of its own, the pages allow no inline script.
window.SwaggerUIBundle({
  url: "/schema/openapi.json",
  dom_id: "#swagger-container",
  deepLinking: true,
  presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIStandalonePreset],
});
