// Progressive enhancement only: every page works without this file.
"use strict";

// "/" focuses the search box, as on most search sites, unless the user is typing somewhere.
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)) return;
  const box = document.querySelector("[data-search-box]");
  if (!box) return;
  event.preventDefault();
  box.focus();
  box.select();
});

// The "/" hint belongs where there is a keyboard: devices that can hover (a mouse) get it in
// the header box's placeholder; touch screens do not (the footer's hint is hidden by CSS).
if (window.matchMedia("(hover: hover)").matches) {
  document.querySelectorAll("#header-q").forEach((box) => { box.placeholder += "（按 / 聚焦）"; });
}

// Copy buttons: the clipboard API needs a secure context (localhost is one); older browsers
// and plain-http hosts fall back to copying from a hidden text area.
function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(text);
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "offscreen";
  document.body.appendChild(area);
  area.select();
  const copied = document.execCommand("copy");
  area.remove();
  return copied ? Promise.resolve() : Promise.reject(new Error("copy refused"));
}

document.querySelectorAll("[data-copy]").forEach((button) => {
  button.addEventListener("click", () => {
    const status = button.parentElement.querySelector(".copy-status");
    const what = button.textContent.replace("复制", "");
    copyText(button.dataset.copy).then(
      () => { if (status) status.textContent = `已复制${what}`; },
      () => { if (status) status.textContent = `无法访问剪贴板，请手动复制下方${what}`; },
    );
  });
});

// Selects marked data-autosubmit apply at once when chosen with a mouse or a finger. From the
// keyboard, arrow keys only move through the options (Chromium fires "change" on each one, so
// submitting on every change would leave on the first key press); Enter or the form's button
// applies the choice.
document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
  let byPointer = false;
  select.addEventListener("pointerdown", () => { byPointer = true; });
  select.addEventListener("keydown", (event) => {
    byPointer = false;
    if (event.key === "Enter") {
      event.preventDefault();
      select.form.requestSubmit();
    }
  });
  select.addEventListener("change", () => { if (byPointer) select.form.requestSubmit(); });
});

// Shared URLs stay clean: empty fields (an unused date range, "全部") are left out of the query
// string instead of arriving as from=&to=. (The server redirects such URLs too.)
document.querySelectorAll("form[method=get]").forEach((form) => {
  form.addEventListener("submit", () => {
    form.querySelectorAll("input[name], select[name]").forEach((field) => {
      if (field.value.trim() === "") field.disabled = true;
    });
    // Back/forward cache: a page restored from history gets its fields back.
    window.addEventListener("pageshow", () => {
      form.querySelectorAll("[name]").forEach((field) => { field.disabled = false; });
    }, { once: true });
  });
});

// Long facet lists show their first entries; the button reveals the rest.
document.querySelectorAll("[data-toggle-more]").forEach((button) => {
  const facet = button.closest(".facet");
  facet.classList.add("collapsed");
  button.addEventListener("click", () => {
    facet.classList.remove("collapsed");
    button.remove();
  });
});
