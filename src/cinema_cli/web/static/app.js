// The seat-picking page: search -> showtimes -> seat map -> hold -> buy -> tickets.
// Plain JavaScript over the /v1 API; no build step, nothing from other sites.
"use strict";

const state = {
  session: sessionStorage.getItem("cinema-session"),
  showing: null,
  selected: new Set(),
  hold: null,
  timer: null,
  purchaseKey: null,
  nextCursor: null,
  query: null,
};

const $ = (id) => document.getElementById(id);

function say(text) { $("status").textContent = text || ""; }

function problem(text) {
  const box = $("problem");
  box.textContent = text || "";
  box.hidden = !text;
}

class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || { code: "http_" + status, message: "the server said " + status, details: {} };
    super(error.message);
    this.status = status;
    this.code = error.code;
    this.details = error.details || {};
  }
}

async function api(method, path, body, headers) {
  const options = { method, headers: Object.assign({ Accept: "application/json" }, headers || {}) };
  if (state.session) options.headers["X-Session-Id"] = state.session;
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch (failure) {
    throw new ApiError(0, { error: { code: "network", message: "the server cannot be reached; check the connection and try again" } });
  }
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

function show(step) {
  for (const id of ["seats-step", "hold-step", "done-step"]) $(id).hidden = !step.includes(id);
}

function localTime(iso) {
  // The API gives the theater's own offset; show the wall-clock time written there.
  return iso.slice(0, 10) + " " + iso.slice(11, 16);
}

// -- 1. search ----------------------------------------------------------------------------------
async function loadCities() {
  try {
    const data = await api("GET", "/v1/theaters");
    const names = new Set(data.theaters.map((t) => t.city_name));
    $("cities").replaceChildren(...[...names].sort().map((name) => new Option(name)));
  } catch (failure) { /* the list is a convenience only */ }
}

async function search(event, more) {
  if (event) event.preventDefault();
  problem("");
  const params = new URLSearchParams({ limit: "20" });
  if (!more) {
    state.query = {};
    for (const name of ["keyword", "city", "date"]) {
      const value = $(name).value.trim();
      if (value) state.query[name] = value;
    }
    state.nextCursor = null;
    $("results").replaceChildren();
  }
  for (const [key, value] of Object.entries(state.query)) params.set(key, value);
  if (more && state.nextCursor) params.set("cursor", state.nextCursor);
  say("Searching…");
  try {
    const data = await api("GET", "/v1/movies?" + params);
    state.nextCursor = data.next;
    $("more").hidden = !data.next;
    renderResults(data.movies, more);
    say(data.count ? "" : "No showings match. Try another title, city or date.");
  } catch (failure) {
    say("");
    problem("Search failed: " + failure.message);
  }
}

function renderResults(movies, more) {
  const box = $("results");
  for (const movie of movies) {
    const block = document.createElement("article");
    block.className = "movie";
    const title = document.createElement("h3");
    title.textContent = `${movie.title} (${movie.runtime_minutes} min, ${movie.rating})`;
    const list = document.createElement("ul");
    list.className = "showtimes";
    for (const showing of movie.showings) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "showtime";
      button.dataset.showing = showing.id;
      button.innerHTML = "";
      button.append(localTime(showing.starts_at) + " ");
      const detail = document.createElement("small");
      detail.textContent = `${showing.theater.name}, ${showing.room.name} · ${showing.seats_available} free`;
      button.append(detail);
      button.addEventListener("click", () => openShowing(showing.id));
      item.append(button);
      list.append(item);
    }
    block.append(title, list);
    box.append(block);
  }
  if (!more && !movies.length) box.replaceChildren();
}

// -- 2. seats -----------------------------------------------------------------------------------
async function openShowing(id) {
  state.showing = null;
  state.selected.clear();
  problem("");
  try {
    state.showing = await api("GET", `/v1/showings/${encodeURIComponent(id)}`);
  } catch (failure) {
    problem("This showing cannot be opened: " + failure.message);
    return;
  }
  history.replaceState(null, "", "#showing=" + encodeURIComponent(id));
  const s = state.showing;
  $("showing-info").textContent = `${s.movie_title || s.movie_id} · ${localTime(s.starts_at)} (${s.timezone}) · ${s.theater.name}, ${s.room.name} · ` +
    Object.entries(s.prices).map(([category, price]) => `${category} ${price} ${s.currency}`).join(", ");
  show(state.hold ? ["seats-step", "hold-step"] : ["seats-step"]);
  await drawSeats();
  $("seats-title").scrollIntoView({ block: "start" });
}

async function drawSeats() {
  if (!state.showing) return;
  try {
    const svg = await api("GET", `/v1/showings/${encodeURIComponent(state.showing.id)}/seats.svg`);
    $("seat-map").innerHTML = svg; // our own server's drawing; every text in it is escaped
  } catch (failure) {
    problem("The seat map cannot be loaded: " + failure.message);
    return;
  }
  for (const seat of $("seat-map").querySelectorAll(".seat[data-seat]")) {
    if (state.selected.has(seat.dataset.seat)) {
      if (seat.dataset.status === "available") seat.classList.add("selected");
      else state.selected.delete(seat.dataset.seat);
    }
    if (seat.dataset.status !== "available") continue;
    seat.addEventListener("click", () => toggle(seat));
    seat.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); toggle(seat); }
    });
  }
  updateSelection();
}

function toggle(seat) {
  const id = seat.dataset.seat;
  if (state.selected.has(id)) state.selected.delete(id);
  else if (state.selected.size >= 10) { problem("At most 10 seats per booking."); return; }
  else state.selected.add(id);
  seat.classList.toggle("selected", state.selected.has(id));
  seat.setAttribute("aria-pressed", state.selected.has(id) ? "true" : "false");
  updateSelection();
}

function updateSelection() {
  const seats = [...state.selected];
  $("selection").textContent = seats.length ? "Selected: " + seats.join(", ") : "No seats selected.";
  $("hold-button").disabled = !seats.length;
}

async function hold(request) {
  problem("");
  const body = Object.assign({ showing_id: state.showing.id, movie_id: state.showing.movie_id }, request);
  if (state.session) body.session_id = state.session;
  say("Holding seats…");
  try {
    const reservation = await api("POST", "/v1/reservations", body);
    state.session = reservation.session_id;
    sessionStorage.setItem("cinema-session", state.session);
    state.hold = reservation;
    state.purchaseKey = null;
    state.selected.clear();
    say("");
    startHold();
  } catch (failure) {
    say("");
    if (failure.code === "seat_unavailable") {
      const taken = (failure.details.seats || []).join(", ");
      problem(`Sorry, ${taken || "some of these seats"} ${taken.includes(",") ? "were" : "was"} taken meanwhile. The map now shows them as taken; please pick others.`);
      for (const id of failure.details.seats || []) state.selected.delete(id);
    } else {
      problem("The seats could not be held: " + failure.message);
    }
  }
  await drawSeats();
}

// -- 3. hold and buy ----------------------------------------------------------------------------
function startHold() {
  const r = state.hold;
  $("hold-info").textContent = `Held for you: ${r.seats.join(", ")} · total ${r.total.amount} ${r.total.currency} · reservation ${r.reservation_id}`;
  show(["seats-step", "hold-step"]);
  clearInterval(state.timer);
  const ends = new Date(r.expires_at).getTime();
  const tick = () => {
    const left = Math.max(0, Math.round((ends - Date.now()) / 1000));
    $("countdown").textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    if (left === 0) {
      clearInterval(state.timer);
      state.hold = null;
      show(["seats-step"]);
      problem("Your hold has expired and the seats were released. Please pick seats again.");
      drawSeats();
    }
  };
  tick();
  state.timer = setInterval(tick, 1000);
  $("buyer-name").focus();
}

async function release() {
  if (!state.hold) return;
  try {
    await api("DELETE", `/v1/reservations/${encodeURIComponent(state.hold.reservation_id)}`);
    say("The seats were released.");
  } catch (failure) {
    problem("Release failed: " + failure.message);
  }
  clearInterval(state.timer);
  state.hold = null;
  show(["seats-step"]);
  await drawSeats();
}

async function buy(event) {
  event.preventDefault();
  if (!state.hold) return;
  problem("");
  // One key per purchase attempt: pressing Buy again after a network failure charges once.
  state.purchaseKey = state.purchaseKey || (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random());
  const body = {
    session_id: state.session,
    name: $("buyer-name").value.trim(),
    email: $("buyer-email").value.trim(),
    card: $("card").value.replace(/[\s-]/g, ""),
  };
  $("buy-button").disabled = true;
  say("Paying…");
  try {
    const booking = await api("POST", `/v1/reservations/${encodeURIComponent(state.hold.reservation_id)}/purchase`, body, { "Idempotency-Key": state.purchaseKey });
    $("card").value = "";
    clearInterval(state.timer);
    state.hold = null;
    say("");
    confirmation(booking);
  } catch (failure) {
    say("");
    if (failure.status === 409 && failure.code === "request_in_progress") {
      problem("Your payment is still being processed; wait a moment and press Buy again (you will not be charged twice).");
    } else if (failure.code === "hold_expired" || failure.code === "reservation_not_found") {
      problem("Your hold ended before the payment: " + failure.message);
      state.hold = null;
      show(["seats-step"]);
      await drawSeats();
    } else {
      problem("The purchase did not go through: " + failure.message);
      if (failure.status !== 0 && failure.status < 500) state.purchaseKey = null;
    }
  } finally {
    $("buy-button").disabled = false;
  }
}

function confirmation(booking) {
  const token = encodeURIComponent(booking.access_token);
  $("done-info").textContent = `Booking ${booking.booking_id}: ${booking.movie.title}, seats ${booking.seats.join(", ")}, ${booking.total.amount} ${booking.total.currency}. A confirmation e-mail goes to ${booking.user.email}.`;
  $("pdf-link").href = `${booking.downloads.pdf}?token=${token}`;
  const figures = booking.tickets.map((ticket) => {
    const figure = document.createElement("figure");
    const image = document.createElement("img");
    image.src = `${booking.downloads.qr_svg[ticket.ticket_id]}?token=${token}`;
    image.alt = `QR code of the ticket for seat ${ticket.seat}`;
    const caption = document.createElement("figcaption");
    caption.textContent = `Seat ${ticket.seat} (${ticket.category})`;
    figure.append(image, caption);
    return figure;
  });
  $("qr-codes").replaceChildren(...figures);
  show(["done-step"]);
  $("done-title").scrollIntoView({ block: "start" });
  $("done-title").setAttribute("tabindex", "-1");
  $("done-title").focus();
}

// -- wiring -------------------------------------------------------------------------------------
document.addEventListener("DOMContentLoaded", () => {
  $("search-form").addEventListener("submit", (event) => search(event, false));
  $("more").addEventListener("click", () => search(null, true));
  $("hold-button").addEventListener("click", () => hold({ seats: [...state.selected] }));
  $("best-form").addEventListener("submit", (event) => {
    event.preventDefault();
    hold({ count: Number($("best-count").value), category: $("best-category").value });
  });
  $("release-button").addEventListener("click", release);
  $("buy-form").addEventListener("submit", buy);
  $("again-button").addEventListener("click", () => { show(["seats-step"]); drawSeats(); });
  loadCities();
  const match = location.hash.match(/^#showing=(.+)$/);
  if (match) openShowing(decodeURIComponent(match[1]));
});
