// Runs GOV.UK Frontend's components. A file, not an inline script: the Content-Security-Policy
// allows scripts only from this site. Every page works without it.
// A browser that runs a module script is one GOV.UK Frontend supports (its template tests
// `noModule` for the same), so the classes its styles and components look for go on at once.
import { initAll } from "/static/govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
