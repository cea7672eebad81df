// The door page: scan QR codes with the rear camera (qr-scanner, vendored), or type them;
// answer with one big coloured panel, a beep and a vibration; queue scans in IndexedDB while
// the network is down and send them as one batch when it is back. A look-up box finds confirmed
// guests by name or the phone's last four digits and checks them in with one tap (method
// "lookup"); offline it answers from the guest list this page keeps (names, organisations and
// phone tails only: the server never sends a whole number), and queues the tap like a scan.
// A walk-in form registers and admits a guest on the spot (online only: the seat is counted
// on the server). Strings come translated from
// the page (#door-messages); nothing here is shown in a fixed language.
"use strict";

const root = document.getElementById("door");
const T = JSON.parse(document.getElementById("door-messages").textContent);
const EVENT_ID = Number(root.dataset.eventId);
const CSRF = document.querySelector('meta[name="csrf-token"]').content;
const DEVICE_KEY = "roadshow.door.device";
const REPEAT_MS = 3000; // the same code held in front of the camera counts once

const $ = (id) => document.getElementById(id);
const fmt = (text, values) => text.replace(/%\((\w+)\)s/g, (_, key) => (values[key] ?? ""));

// --- device name, remembered on this phone ---------------------------------------------------
const deviceInput = $("device-name");
function deviceName() {
  let name = (deviceInput.value || "").trim();
  if (!name) {
    name = T.device_default + "-" + Math.random().toString(36).slice(2, 6).toUpperCase();
    deviceInput.value = name;
    saveDevice();
  }
  return name;
}
function saveDevice() {
  try { localStorage.setItem(DEVICE_KEY, deviceInput.value.trim()); } catch (e) { /* private mode */ }
}
try { deviceInput.value = localStorage.getItem(DEVICE_KEY) || ""; } catch (e) { /* private mode */ }
deviceInput.addEventListener("change", saveDevice);
deviceName();

// --- feedback: panel, sound, vibration -------------------------------------------------------
let audio = null;
function beep(kind) {
  const tones = { ok: [[880, 0.12]], already: [[520, 0.1], [520, 0.1]], bad: [[220, 0.35]], queued: [[660, 0.08]] };
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    let t = audio.currentTime;
    for (const [freq, length] of tones[kind] || []) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.value = 0.25;
      osc.connect(gain).connect(audio.destination);
      osc.start(t);
      osc.stop(t + length);
      t += length + 0.06;
    }
  } catch (e) { /* no audio: the colour says it all */ }
  if (navigator.vibrate) {
    navigator.vibrate({ ok: 120, already: [80, 60, 80], bad: [300], queued: 60 }[kind] || 0);
  }
}

function show(kind, title, name, detail, data) {
  const panel = $("result");
  panel.className = "door-result door-result-" + kind + " mb-3";
  panel.dataset.result = data || kind;
  $("result-title").textContent = title;
  $("result-name").textContent = name || "";
  $("result-detail").textContent = detail || "";
  if (kind !== "checking" && kind !== "idle") beep(kind === "already" ? "already" : kind);
}

function describe(body) {
  const a = body.attendee || {};
  const who = a.name || "";
  const org = [a.organisation, body.kind_label].filter(Boolean).join(" · ");
  switch (body.result) {
    case "ok":
      return ["ok", T.ok, who, org];
    case "already_checked_in":
      return ["already", T.already, who,
        org + (org ? " — " : "") + fmt(T.already_detail, { time: body.time_display || body.first_checked_in_at,
          device: body.device || T.unknown_device })];
    case "wrong_event":
      return ["bad", T.wrong_event, "", fmt(T.wrong_event_detail, { title: (body.event || {}).title || "" })];
    case "not_confirmed":
      return ["bad", T.not_confirmed, "", fmt(T.not_confirmed_detail, { status: T["status_" + body.status] || body.status })];
    default:
      return ["bad", T.unknown, "", T.unknown_detail];
  }
}

function showAnswer(body) {
  const [kind, title, name, detail] = describe(body);
  show(kind, title, name, detail, body.result);
}

function setCounts(counts) {
  if (!counts) return;
  $("count-checked").textContent = counts.checked_in;
  $("count-registered").textContent = counts.registered;
}

// --- the offline queue (IndexedDB) -----------------------------------------------------------
const QUEUE_DB = "roadshow-door";
function openQueue() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(QUEUE_DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore("scans", { keyPath: "id", autoIncrement: true });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}
async function queueOp(mode, fn) {
  const db = await openQueue();
  return new Promise((resolve, reject) => {
    const tx = db.transaction("scans", mode);
    const result = fn(tx.objectStore("scans"));
    tx.oncomplete = () => { db.close(); resolve(result && "result" in result ? result.result : undefined); };
    tx.onerror = () => { db.close(); reject(tx.error); };
  });
}
const queueAdd = (scan) => queueOp("readwrite", (store) => store.add(scan));
const queueAll = () => queueOp("readonly", (store) => store.getAll())
  .then((items) => (items || []).filter((s) => s.event_id === EVENT_ID));
const queueDelete = (ids) => queueOp("readwrite", (store) => { ids.forEach((id) => store.delete(id)); });

async function refreshOffline() {
  let pending = 0;
  try { pending = (await queueAll()).length; } catch (e) { /* no IndexedDB */ }
  $("queue-count").textContent = pending;
  $("offline-banner").classList.toggle("d-none", navigator.onLine && pending === 0);
  root.dataset.pending = String(pending);
  return pending;
}

async function enqueue(scan, name) {
  await queueAdd({ ...scan, event_id: EVENT_ID });
  if (scan.attendee_id) {
    markIn(scan.attendee_id);
    show("queued", T.queued, name || "", fmt(T.queued_guest, { name: name || "" }), "queued");
  } else {
    show("queued", T.queued, "", fmt(T.queued_detail, { code: scan.code }), "queued");
  }
  await refreshOffline();
}

let syncing = false;
async function sync() {
  if (syncing || !navigator.onLine) return;
  syncing = true;
  try {
    const items = await queueAll();
    if (!items.length) return;
    const response = await post(root.dataset.syncUrl, { scans: items.map((s) => ({ id: s.id, code: s.code, attendee_id: s.attendee_id, scanned_at: s.scanned_at, device: s.device })) });
    if (!response) return;
    const body = await response.json();
    await queueDelete(items.map((s) => s.id));
    setCounts(body.counts);
    listSynced(body.results);
    loadRoster();
  } catch (e) {
    /* still offline: the next attempt will send them */
  } finally {
    syncing = false;
    refreshOffline();
  }
}

function listSynced(results) {
  const list = $("sync-list");
  list.textContent = "";
  for (const body of results) {
    const [kind, title, name, detail] = describe(body);
    const li = document.createElement("li");
    li.className = "list-group-item door-sync-" + kind;
    li.dataset.result = body.result;
    const strong = document.createElement("strong");
    strong.textContent = title + (name ? " · " + name : "");
    const small = document.createElement("div");
    small.className = "small text-secondary";
    small.textContent = (body.time_display ? body.time_display + " · " : "") + detail;
    li.append(strong, small);
    list.append(li);
  }
  $("sync-title").textContent = fmt(T.synced, { count: results.length });
  $("sync-results").classList.remove("d-none");
  const last = results[results.length - 1];
  if (last) showAnswer(last);
}

// --- talking to the server -------------------------------------------------------------------
// Resolves to the response, or null when the session is gone (shown to the user); throws on
// network failure so the caller can queue.
async function post(url, payload) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": CSRF },
    body: JSON.stringify(payload),
  });
  const type = response.headers.get("Content-Type") || "";
  if (response.redirected || response.status === 401 || response.status === 403 || !type.includes("json")) {
    show("bad", T.signed_out, "", "", "signed_out");
    return null;
  }
  if (response.status >= 500 || response.status === 400) {
    show("bad", T.error, "", "", "error");
    return null;
  }
  return response;
}

let lastCode = "";
let lastSeen = 0;
let busy = false;
async function submit(rawCode, fromCamera) {
  const code = String(rawCode || "").trim().toUpperCase();
  if (!code) return;
  const now = Date.now();
  if (fromCamera && (busy || (code === lastCode && now - lastSeen < REPEAT_MS))) {
    if (code === lastCode) lastSeen = now;
    return;
  }
  lastCode = code;
  lastSeen = now;
  const scan = { code, scanned_at: new Date().toISOString(), device: deviceName() };
  if (!navigator.onLine) {
    await enqueue(scan);
    return;
  }
  busy = true;
  show("checking", T.checking, "", code, "checking");
  try {
    const response = await post(root.dataset.scanUrl, scan);
    if (response) {
      const body = await response.json();
      showAnswer(body);
      setCounts(body.counts);
    }
  } catch (e) {
    await enqueue(scan); // the network failed under us: keep the scan with its time
  } finally {
    busy = false;
    lastSeen = Date.now();
  }
}

$("manual").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("manual-code");
  const code = input.value;
  input.value = "";
  submit(code, false);
});

// --- look-up: by name or the phone's last four digits ---------------------------------------
// The guest list kept for offline look-ups: the roster answer, in memory and in the page's cache
// (the service worker answers /door/<id>/roster from it while offline). Check-ins queued offline
// mark their guests as in.
let roster = null; // { items: [...], at: iso }
const ROSTER_CACHE = "roadshow-door-v1";

async function loadRoster() {
  const url = root.dataset.rosterUrl;
  let response = null;
  try {
    response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.ok && (response.headers.get("Content-Type") || "").includes("json") && "caches" in window) {
      const cache = await caches.open(ROSTER_CACHE);
      await cache.put(url, response.clone());
      for (const request of await cache.keys()) { // other events' guest lists are not kept
        const path = new URL(request.url).pathname;
        if (/^\/door\/\d+\/roster$/.test(path) && path !== url) await cache.delete(request);
      }
    }
  } catch (e) {
    response = null;
  }
  if (!response || !response.ok) {
    try { response = "caches" in window ? await caches.match(url) : null; } catch (e) { response = null; }
  }
  if (!response || !response.ok || !(response.headers.get("Content-Type") || "").includes("json")) return;
  try {
    roster = await response.json();
  } catch (e) { return; }
  try {
    for (const item of await queueAll()) if (item.attendee_id) markIn(item.attendee_id);
  } catch (e) { /* no IndexedDB */ }
  root.dataset.roster = String(roster.items.length);
}

function markIn(attendeeId) {
  if (!roster) return;
  for (const item of roster.items) if (item.attendee_id === attendeeId) item.checked_in = true;
}

const normalise = (text) => String(text || "").normalize("NFKC").trim().replace(/\s+/g, " ");

// The server's rule, for offline answers: two characters of a name, or exactly four digits.
function lookupOffline(q) {
  const lower = q.toLowerCase();
  const digits = /^\d+$/.test(q);
  const hits = roster.items.filter((g) => g.name.toLowerCase().includes(lower) || (digits && g.phone_tail === q));
  hits.sort((a, b) => (b.name === q) - (a.name === q));
  return { items: hits.slice(0, 10), more: hits.length > 10 };
}

function validQuery(q) {
  return /^\d+$/.test(q) ? q.length === 4 : q.length >= 2;
}

function renderLookup(body, offline) {
  const list = $("lookup-results");
  list.textContent = "";
  const source = $("lookup-source");
  source.classList.toggle("d-none", !offline);
  if (offline) {
    const at = roster && roster.at ? new Date(roster.at).toLocaleTimeString() : "";
    source.textContent = fmt(T.lookup_offline, { time: at });
  }
  root.dataset.lookup = offline ? "offline" : "online";
  if (!body.items.length) {
    const li = document.createElement("li");
    li.className = "list-group-item text-secondary px-0";
    li.id = "lookup-none";
    li.textContent = T.lookup_none;
    list.append(li);
  }
  for (const guest of body.items) {
    const li = document.createElement("li");
    li.className = "list-group-item d-flex align-items-center gap-2 px-0 door-guest";
    li.dataset.attendeeId = String(guest.attendee_id);
    const text = document.createElement("div");
    text.className = "flex-grow-1 min-w-0";
    const name = document.createElement("div");
    name.className = "fw-semibold door-guest-name";
    name.textContent = guest.name;
    const detail = document.createElement("div");
    detail.className = "small text-secondary text-truncate";
    detail.textContent = [guest.organisation, guest.phone_tail ? fmt(T.lookup_tail, { tail: guest.phone_tail }) : ""]
      .filter(Boolean).join(" · ");
    text.append(name, detail);
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn door-guest-button " + (guest.checked_in ? "btn-outline-secondary" : "btn-success");
    button.textContent = guest.checked_in ? T.lookup_in : T.lookup_checkin;
    button.disabled = guest.checked_in;
    button.addEventListener("click", () => checkInGuest(guest, li));
    li.append(text, button);
    list.append(li);
  }
  if (body.more) {
    const li = document.createElement("li");
    li.className = "list-group-item small text-secondary px-0";
    li.textContent = T.lookup_more;
    list.append(li);
  }
}

let lookupSeq = 0;
async function lookup() {
  const q = normalise($("lookup-q").value);
  const seq = ++lookupSeq;
  if (!validQuery(q)) {
    $("lookup-results").textContent = "";
    $("lookup-source").classList.add("d-none");
    return;
  }
  if (navigator.onLine) {
    try {
      const response = await fetch(root.dataset.lookupUrl + "?q=" + encodeURIComponent(q),
        { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (seq !== lookupSeq) return;
      if (response.ok && (response.headers.get("Content-Type") || "").includes("json")) {
        renderLookup(await response.json(), false);
        return;
      }
      if (response.redirected || response.status === 401 || response.status === 403) {
        show("bad", T.signed_out, "", "", "signed_out");
        return;
      }
    } catch (e) { /* the network failed: answer from the copy */ }
  }
  if (seq !== lookupSeq) return;
  if (!roster) await loadRoster();
  if (!roster) {
    renderLookup({ items: [], more: false }, true);
    $("lookup-source").textContent = T.lookup_no_copy;
    return;
  }
  renderLookup(lookupOffline(q), true);
}

let lookupTimer = null;
$("lookup-q").addEventListener("input", () => { clearTimeout(lookupTimer); lookupTimer = setTimeout(lookup, 250); });
$("lookup-form").addEventListener("submit", (event) => { event.preventDefault(); clearTimeout(lookupTimer); lookup(); });

function markButton(li, checkedIn) {
  const button = li.querySelector("button");
  button.className = "btn door-guest-button " + (checkedIn ? "btn-outline-secondary" : "btn-success");
  button.textContent = checkedIn ? T.lookup_in : T.lookup_checkin;
  button.disabled = checkedIn;
}

async function checkInGuest(guest, li) {
  const scan = { attendee_id: guest.attendee_id, scanned_at: new Date().toISOString(), device: deviceName() };
  li.querySelector("button").disabled = true;
  if (!navigator.onLine) {
    await enqueue(scan, guest.name);
    markButton(li, true);
    return;
  }
  show("checking", T.checking, guest.name, "", "checking");
  try {
    const response = await post(root.dataset.scanUrl, scan);
    if (!response) { li.querySelector("button").disabled = false; return; }
    const body = await response.json();
    showAnswer(body);
    setCounts(body.counts);
    const inNow = body.result === "ok" || body.result === "already_checked_in";
    markButton(li, inNow);
    if (inNow) markIn(guest.attendee_id);
  } catch (e) {
    await enqueue(scan, guest.name); // the network failed under us: keep the tap with its time
    markButton(li, true);
  }
}

// --- walk-ins --------------------------------------------------------------------------------
const people = $("walk-in-people");
const MAX_WALK_IN = 10;
function addPerson() {
  if (people.children.length >= MAX_WALK_IN) return;
  const index = people.children.length;
  const node = $("walk-in-person").content.firstElementChild.cloneNode(true);
  node.querySelector(".door-person-n").textContent = String(index + 1);
  for (const part of ["name", "phone"]) {
    const input = node.querySelector(`[data-part="${part}"]`);
    input.id = `walk-in-${part}-${index}`;
    input.dataset.field = `attendees.${index}.${part}`;
    node.querySelector(`[data-label="${part}"]`).htmlFor = input.id;
    node.querySelector(`[data-error-part="${part}"]`).dataset.errorFor = `attendees.${index}.${part}`;
  }
  people.append(node);
}
addPerson();
$("walk-in-add").addEventListener("click", addPerson);

let walkInKey = null;
const newKey = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");

function clearErrors() {
  const form = $("walk-in-form");
  form.querySelectorAll(".is-invalid").forEach((el) => el.classList.remove("is-invalid"));
  form.querySelectorAll("[data-error-for]").forEach((el) => { el.textContent = ""; });
  $("walk-in-error").classList.add("d-none");
}

function showErrors(errors, detail) {
  const form = $("walk-in-form");
  let placed = false;
  for (const [field, messages] of Object.entries(errors || {})) {
    const input = form.querySelector(`[data-field="${field}"]`);
    const slot = form.querySelector(`[data-error-for="${field}"]`);
    if (input) input.classList.add("is-invalid");
    if (slot) { slot.textContent = messages.join(" "); placed = true; }
  }
  if (!placed) {
    $("walk-in-error").textContent = detail || T.walk_in_failed;
    $("walk-in-error").classList.remove("d-none");
  }
}

$("walk-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors();
  if (!navigator.onLine) { $("walk-in-offline").classList.remove("d-none"); return; }
  walkInKey = walkInKey || newKey(); // the same key while this form is retried: never two registrations
  const attendees = Array.from(people.children, (node) => ({
    name: node.querySelector('[data-part="name"]').value,
    phone: node.querySelector('[data-part="phone"]').value,
  })).filter((a, i) => i === 0 || a.name.trim() || a.phone.trim());
  const payload = {
    key: walkInKey,
    organisation: { name: $("walk-in-org").value, kind: $("walk-in-kind").value },
    attendees,
    consent: $("walk-in-consent").checked,
    device: deviceName(),
  };
  const submitButton = $("walk-in-submit");
  submitButton.disabled = true;
  try {
    const response = await fetch(root.dataset.walkInUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": CSRF },
      body: JSON.stringify(payload),
    });
    const type = response.headers.get("Content-Type") || "";
    if (response.redirected || response.status === 401 || response.status === 403 || !type.includes("json")) {
      show("bad", T.signed_out, "", "", "signed_out");
      return;
    }
    const body = await response.json();
    if (response.status === 201) {
      const names = body.attendees.map((a) => a.name).join("、");
      show("ok", T.walk_in_ok, names, body.organisation.name, "walk_in");
      $("result").scrollIntoView({ block: "start" }); // the answer is at the top, the form far below
      setCounts(body.counts);
      if (body.seats_left !== null && $("walk-in-seats")) $("walk-in-seats").textContent = body.seats_left;
      $("walk-in-form").reset();
      people.textContent = "";
      addPerson();
      walkInKey = null;
      loadRoster();
      return;
    }
    if (response.status >= 500) { show("bad", T.error, "", "", "error"); return; }
    if (body.result === "capacity_full" || body.result === "already_registered") {
      show("bad", T[body.result], "", body.detail || "", body.result);
    }
    walkInKey = null; // refused: nothing was written, the next try is a new request
    showErrors(body.errors, body.detail);
  } catch (e) {
    $("walk-in-offline").classList.remove("d-none"); // the key stays: a retry cannot register twice
  } finally {
    submitButton.disabled = false;
  }
});

// --- the camera ------------------------------------------------------------------------------
async function startCamera() {
  const status = $("camera-status");
  const button = $("camera-start");
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    status.textContent = T.camera_unsupported;
    return;
  }
  try {
    const { default: QrScanner } = await import(root.dataset.scannerUrl);
    const video = $("camera");
    video.classList.remove("d-none");
    const scanner = new QrScanner(video, (result) => submit(result.data, true), {
      preferredCamera: "environment",
      maxScansPerSecond: 8,
      returnDetailedScanResult: true,
      highlightScanRegion: false,
      onDecodeError: () => { /* no code in this frame */ },
    });
    await scanner.start();
    button.classList.add("d-none");
    status.textContent = T.camera_on;
    root.dataset.camera = "on";
  } catch (e) {
    $("camera").classList.add("d-none");
    status.textContent = T.camera_failed;
    button.classList.remove("d-none");
    root.dataset.camera = "failed";
  }
}
$("camera-start").addEventListener("click", startCamera);

// --- online / offline, counts, service worker ------------------------------------------------
window.addEventListener("online", () => { refreshOffline(); sync(); $("walk-in-offline").classList.add("d-none"); });
window.addEventListener("offline", refreshOffline);
setInterval(() => { if (navigator.onLine) loadRoster(); }, 60000);
setInterval(sync, 10000);
setInterval(async () => {
  if (!navigator.onLine || busy) return;
  try {
    const response = await fetch(root.dataset.countsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.ok && (response.headers.get("Content-Type") || "").includes("json")) setCounts(await response.json());
  } catch (e) { /* offline */ }
}, 15000);

// The service worker precaches the shell (CSS, scripts, QR scanner) when it installs; the page adds
// its own HTML and the guest list, so both load without network too.
async function cacheShell() {
  if (!("serviceWorker" in navigator) || !("caches" in window)) return;
  try {
    await navigator.serviceWorker.register(root.dataset.swUrl, { scope: "/door/" });
    await loadRoster(); // the guest list too, for look-ups without network
    await navigator.serviceWorker.ready; // installed: the shell is precached (never, if its install failed)
    const cache = await caches.open("roadshow-door-v1");
    await cache.add(location.pathname);
    root.dataset.shellCached = "1";
  } catch (e) { /* no offline reload on this browser; scanning still works */ }
}

// Ready to scan: the typed code is accepted from here on (with or without a camera). The camera's
// scanner, the offline copy and the queue's sync come after, so they do not delay the first scan.
$("manual-code").disabled = false;
$("manual-submit").disabled = false;
performance.mark("door-ready"); // benchmarks/door3g.py: the first possible scan
root.dataset.ready = "1";
const bootstrapScript = document.createElement("script"); // the menu's script, after the first scan's path
bootstrapScript.src = root.dataset.bootstrapUrl;
document.body.append(bootstrapScript);
startCamera();
refreshOffline().then(sync);
cacheShell().then(() => { if (!roster) loadRoster(); });
