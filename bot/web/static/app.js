// Progressive enhancement only: everything works without this file.
"use strict";

// The reply's length against the platform's limit, as the server counts it (code points).
function setUpReplyCounter() {
  const reply = document.querySelector("#reply-text[data-limit]");
  const counter = document.querySelector("#reply-count");
  if (!reply || !counter) return;
  const limit = Number(reply.dataset.limit);
  const update = () => {
    const length = [...reply.value.trim()].length;
    counter.querySelector(".count").textContent = String(length);
    counter.classList.toggle("over", length > limit);
  };
  reply.addEventListener("input", update);
  update();
}

function setUpSelectAll() {
  const bar = document.querySelector("#bulk .bulk-bar");
  if (!bar || document.getElementById("select-all")) return;
  const boxes = () => document.querySelectorAll('#bulk input[name="item"]');
  const label = document.createElement("label");
  const all = document.createElement("input");
  all.type = "checkbox";
  all.id = "select-all";
  label.htmlFor = "select-all";
  label.textContent = " Select all on this page";
  all.addEventListener("change", () => boxes().forEach((box) => { box.checked = all.checked; }));
  const wrap = document.createElement("span");
  wrap.append(all, label);
  bar.prepend(wrap);
}

// Keyboard triage: j/k move, Enter opens, x ticks, r/h/m/d/e act, u goes back, ? lists keys.
function typing(target) {
  return target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

function moveInQueue(step) {
  const links = Array.from(document.querySelectorAll("ol.items .excerpt a"));
  if (!links.length) return false;
  const at = links.indexOf(document.activeElement);
  const next = at < 0 ? 0 : Math.min(links.length - 1, Math.max(0, at + step));
  document.querySelectorAll("ol.items .item-card.current").forEach((c) => c.classList.remove("current"));
  links[next].closest(".item-card").classList.add("current");
  links[next].focus();
  links[next].scrollIntoView({ block: "nearest" });
  return true;
}

function tickInQueue() {
  const card = document.activeElement && document.activeElement.closest(".item-card");
  const box = card && card.querySelector('input[name="item"]');
  if (box) box.checked = !box.checked;
}

function onKey(event) {
  const help = document.getElementById("keys-help");
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target instanceof HTMLTextAreaElement) {
    const form = event.target.form;
    const send = form && (form.querySelector("[data-send]") || form.querySelector('button[value="escalate"]'));
    if (send) { event.preventDefault(); form.requestSubmit(send); }
    return;
  }
  if (event.key === "Escape" && typing(event.target)) { event.target.blur(); return; }
  if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "?") {
    event.preventDefault();
    if (help && help.open) help.close(); else if (help) help.showModal();
    return;
  }
  if (help && help.open) return;
  const inQueue = document.querySelector("ol.items") !== null;
  if (inQueue && (event.key === "j" || event.key === "k")) {
    if (moveInQueue(event.key === "j" ? 1 : -1)) event.preventDefault();
    return;
  }
  if (inQueue && event.key === "x") { tickInQueue(); event.preventDefault(); return; }
  const target = document.querySelector(`[data-key="${CSS.escape(event.key)}"]`);
  if (!target) return;
  event.preventDefault();
  if (target instanceof HTMLTextAreaElement) {
    target.focus();
    target.scrollIntoView({ block: "center" });
  } else {
    target.click();
  }
}

// Live updates: open counts in the navigation; the queue list refreshes itself on a change.
function busyInQueue() {
  const region = document.getElementById("queue-live");
  if (!region) return false;
  const ticked = region.querySelector('input[name="item"]:checked, #select-all:checked');
  const active = document.activeElement;
  const editing = active && region.contains(active) && typing(active);
  return Boolean(ticked || editing);
}

async function refreshQueue(note) {
  const response = await fetch(location.href, { credentials: "same-origin" });
  if (!response.ok) return;
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  const focused = document.activeElement && document.activeElement.getAttribute("href");
  for (const id of ["queue-live", "label-counts"]) {
    const now = document.getElementById(id);
    const next = fresh.getElementById(id);
    if (now && next) now.replaceWith(document.adoptNode(next));
  }
  setUpSelectAll();
  if (focused) {
    const again = document.querySelector(`#queue-live a[href="${CSS.escape(focused)}"]`);
    if (again) again.focus();
  }
  note.textContent = "Updated just now.";
  note.hidden = false;
}

// On an item page: say so when someone else has changed this item's status meanwhile.
async function checkItem(note) {
  const response = await fetch(location.pathname, { credentials: "same-origin" });
  if (!response.ok) return;
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  const now = fresh.getElementById("item-status");
  const shown = document.getElementById("item-status");
  if (!now || !shown || now.textContent === shown.textContent) return;
  note.textContent = `Changed meanwhile: this item is now ${now.textContent.trim()}. Reload to see what was done. `;
  note.hidden = false;
}

function setUpLive() {
  const url = document.body.dataset.live;
  if (!url || !window.EventSource) return;
  let stamp = document.body.dataset.stamp || "";
  const source = new EventSource(url);
  source.addEventListener("counts", (event) => {
    const data = JSON.parse(event.data);
    for (const [id, value] of [["nav-open", data.open], ["nav-mine", data.mine]]) {
      const badge = document.getElementById(id);
      if (badge) { badge.textContent = String(value); badge.hidden = false; }
    }
    if (data.stamp === stamp) return;
    stamp = data.stamp;
    const note = document.getElementById("live-note");
    if (!note) return;
    if (document.getElementById("item-status")) { checkItem(note); return; }
    if (busyInQueue()) {
      note.textContent = "The queue has changed. ";
      const button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      button.textContent = "Show the changes";
      button.addEventListener("click", () => refreshQueue(note));
      note.append(button);
      note.hidden = false;
    } else {
      refreshQueue(note);
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setUpReplyCounter();
  setUpSelectAll();
  setUpLive();
  document.addEventListener("keydown", onKey);
});
