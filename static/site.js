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

// Selects marked data-autosubmit apply at once; the form's own button stays for keyboard users.
document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
  select.addEventListener("change", () => select.form.requestSubmit());
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
