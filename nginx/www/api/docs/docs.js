// docs.js: render the service's own OpenAPI description with Redoc, both
// served by this nginx (no CDN).  Redoc's search runs in a worker it
// makes from a blob: the docs' own CSP allows that (nginx/paicha.conf.in).
/* global Redoc */
Redoc.init('/api/v1/openapi.json', {
	hideDownloadButton: false,
	expandResponses: '200,201',
	nativeScrollbars: true,
}, document.getElementById('redoc'));
