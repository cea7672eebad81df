// The door page: scan QR codes with the rear camera (qr-scanner, vendored), or type them;
// answer with one big coloured panel, a beep and a vibration; queue scans in IndexedDB while
// the network is down and send them as one batch when it is back. Strings come translated from
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

async function enqueue(scan) {
  await queueAdd({ ...scan, event_id: EVENT_ID });
  show("queued", T.queued, "", fmt(T.queued_detail, { code: scan.code }), "queued");
  await refreshOffline();
}

let syncing = false;
async function sync() {
  if (syncing || !navigator.onLine) return;
  syncing = true;
  try {
    const items = await queueAll();
    if (!items.length) return;
    const response = await post(root.dataset.syncUrl, { scans: items.map((s) => ({ id: s.id, code: s.code, scanned_at: s.scanned_at, device: s.device })) });
    if (!response) return;
    const body = await response.json();
    await queueDelete(items.map((s) => s.id));
    setCounts(body.counts);
    listSynced(body.results);
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
window.addEventListener("online", () => { refreshOffline(); sync(); });
window.addEventListener("offline", refreshOffline);
setInterval(sync, 10000);
setInterval(async () => {
  if (!navigator.onLine || busy) return;
  try {
    const response = await fetch(root.dataset.countsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.ok && (response.headers.get("Content-Type") || "").includes("json")) setCounts(await response.json());
  } catch (e) { /* offline */ }
}, 15000);

async function cacheShell() {
  if (!("serviceWorker" in navigator) || !("caches" in window)) return;
  try {
    await navigator.serviceWorker.register(root.dataset.swUrl, { scope: "/door/" });
    const assets = [location.pathname, root.dataset.scannerUrl, root.dataset.workerUrl];
    document.querySelectorAll('link[rel="stylesheet"], script[src]').forEach((el) => assets.push(el.href || el.src));
    const cache = await caches.open("roadshow-door-v1");
    await cache.addAll([...new Set(assets)]);
    root.dataset.shellCached = "1";
  } catch (e) { /* no offline reload on this browser; scanning still works */ }
}

refreshOffline().then(sync);
cacheShell();
startCamera();
root.dataset.ready = "1";
