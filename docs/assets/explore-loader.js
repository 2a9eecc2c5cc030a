// Loads docs/assets/explorables.js only on pages that have an explorable, and mounts them,
// also after Material's instant navigation. Without JavaScript the static figure stays.
const explorablesModule = new URL("explorables.js", document.currentScript.src).href;

document$.subscribe(() => {
  const found = document.querySelectorAll("[data-explorable]:not([data-explorable-ready])");
  if (found.length) import(explorablesModule).then((module) => module.mountAll(found));
});
