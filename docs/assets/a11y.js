// Accessible names for widgets Material renders without one (axe-core: serious violations).
// Runs on every page, including after instant navigation.
function nameWidgets() {
  const label = (selector, name) =>
    document.querySelectorAll(selector).forEach((el) => {
      if (!el.hasAttribute("aria-label")) el.setAttribute("aria-label", name(el));
    });
  label(".md-search[role=dialog]", () => "Search");
  label(".md-progress[role=progressbar]", () => "Page loading");
  label("a.md-annotation__index", (el) => {
    const id = el.querySelector("[data-md-annotation-id]");
    return `Annotation ${id ? id.dataset.mdAnnotationId : ""}`.trim();
  });
}

// Material mounts code annotations a moment after each page is shown: name them after it.
document$.subscribe(() => requestAnimationFrame(() => setTimeout(nameWidgets, 0)));
