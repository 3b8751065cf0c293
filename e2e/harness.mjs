// Browser-test harness: builds the sample archive with the real binary,
// opens its pages from file:// in Debian's chromium through playwright-core,
// records every console error, page error and failed request, and saves
// screenshots as test artefacts in target/e2e-screenshots/.
//
// Adding a page to check is a line in PAGES (and, for charts, a `charts`
// count). Every page linked from the navigation is also opened and checked
// by the tests, so a new view is covered as soon as it is in the nav.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const TARGET = process.env.CARGO_TARGET_DIR
  ? path.resolve(REPO, process.env.CARGO_TARGET_DIR)
  : path.join(REPO, "target");
export const SHOTS = path.join(TARGET, "e2e-screenshots");
const BIN = process.env.CHRONICLE_BIN || path.join(TARGET, "debug", "chronicle");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

/* Pages whose screenshots are kept, per language. `charts` is how many
   charts the page must show, each visible with a non-zero size. */
export const PAGES = [
  { name: "home", path: "index.html" },
  { name: "report", path: "reports/2023-w16.html" },
  { name: "search", path: "search.html?q=%E7%83%AD%E7%82%B9%E8%B4%A6%E6%88%B7" },
  { name: "metrics", path: "metrics.html", charts: 1 },
  { name: "projects", path: "projects.html" },
  { name: "incidents", path: "incidents.html", charts: 1 },
];

/* Builds the sample (content/ and config.toml) into target/e2e-site/LANG,
   with `language` set to `lang`. */
export function buildSample(lang) {
  const root = path.join(TARGET, "e2e-site", "root-" + lang);
  const out = path.join(TARGET, "e2e-site", lang);
  fs.mkdirSync(root, { recursive: true });
  const config = fs.readFileSync(path.join(REPO, "config.toml"), "utf8")
    .replace(/^language = .*$/m, `language = "${lang}"`);
  fs.writeFileSync(path.join(root, "config.toml"), config);
  execFileSync(BIN, ["build", "--root", root, "--content", path.join(REPO, "content"),
    "--output", out, "--quiet"], { stdio: ["ignore", "ignore", "inherit"] });
  return out;
}

/* Builds an archive made up of `files` (path → text) with the default
   config; returns the output folder. */
export function buildArchive(files) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "chronicle-e2e-"));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, "content", rel)), { recursive: true });
    fs.writeFileSync(path.join(root, "content", rel), text);
  }
  const out = path.join(root, "public");
  execFileSync(BIN, ["build", "--root", root, "--output", out, "--quiet"], { stdio: ["ignore", "ignore", "inherit"] });
  return out;
}

export function fileUrl(site, rel) {
  const [p, query] = rel.split("?");
  return pathToFileURL(path.join(site, p)).href + (query ? "?" + query : "");
}

/* Starts chromium with the flags the project uses for screenshots.
   playwright-core gives every launch a fresh temporary profile (the
   equivalent of a new --user-data-dir) and deletes it on close. */
export async function launch() {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} not found: apt-get install chromium (or set CHROMIUM)`);
  assert.ok(fs.existsSync(BIN), `${BIN} not found: run cargo build first (make e2e does)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--hide-scrollbars"],
  });
}

/* A new browser context (own storage) and page. Everything that goes
   wrong on the page lands in `errors`; `check()` asserts there was none. */
export async function open(browser, url, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => errors.push(`failed: ${r.url()} ${r.failure()?.errorText}`));
  const loaded = [];
  page.on("request", (r) => loaded.push(r.url()));
  if (url) await page.goto(url);
  return {
    page, context, errors, loaded,
    check() { assert.deepEqual(errors, [], "errors on " + page.url()); },
    close() { return context.close(); },
  };
}

export async function screenshot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, name + ".png"), fullPage: true });
}

/* Every chart on the page (an <svg> or <canvas> in the main content, or
   anything marked as a chart) is rendered with a non-zero size; at least
   `min` of them. */
export async function assertChartsVisible(page, min) {
  const boxes = await page.$$eval(
    "main svg:not([aria-hidden='true']), main canvas, main .chart, main [data-chart]",
    (els) => els.map((e) => {
      const r = e.getBoundingClientRect(), s = getComputedStyle(e);
      return { tag: e.tagName, w: r.width, h: r.height, hidden: s.visibility === "hidden" || s.display === "none" };
    }));
  assert.ok(boxes.length >= min, `expected at least ${min} charts, found ${boxes.length}`);
  for (const b of boxes) assert.ok(b.w > 0 && b.h > 0 && !b.hidden, `chart ${JSON.stringify(b)}`);
  return boxes.length;
}

/* Landmarks, labels and alternative text that every page must have:
   one main, header and footer; labelled navigation; alt on every image; an
   accessible name on every chart, field and button. */
export async function assertAccessible(page) {
  const r = await page.evaluate(() => {
    const name = (e) => (e.getAttribute("aria-label") || e.getAttribute("title") ||
      (e.getAttribute("aria-labelledby") && document.getElementById(e.getAttribute("aria-labelledby"))?.textContent) ||
      (e.id && document.querySelector(`label[for="${e.id}"]`)?.textContent) ||
      e.querySelector?.(":scope > title")?.textContent || e.textContent || "").trim();
    const visible = (e) => !e.closest("[aria-hidden='true']");
    return {
      main: document.querySelectorAll("main").length,
      header: document.querySelectorAll("body > header").length,
      footer: document.querySelectorAll("body > footer").length,
      unlabelledNav: [...document.querySelectorAll("nav")].filter((n) => !name(n) || !n.getAttribute("aria-label")).length,
      noAlt: [...document.querySelectorAll("img")].filter((i) => !i.hasAttribute("alt")).map((i) => i.src),
      unnamedCharts: [...document.querySelectorAll("main svg, main canvas")].filter(visible)
        .filter((c) => c.getAttribute("role") !== "img" || !name(c)).map((c) => c.outerHTML.slice(0, 80)),
      // Task-list checkboxes in reports are disabled state markers read
      // together with their item's text, not controls.
      unnamedControls: [...document.querySelectorAll("input, button, select, textarea")]
        .filter((c) => c.type !== "hidden" && !(c.type === "checkbox" && c.disabled) && !name(c))
        .map((c) => c.outerHTML.slice(0, 80)),
      skip: document.querySelector("a.skip")?.getAttribute("href"),
    };
  });
  assert.equal(r.main, 1, "one <main>");
  assert.equal(r.header, 1, "one page <header>");
  assert.equal(r.footer, 1, "one page <footer>");
  assert.equal(r.unlabelledNav, 0, "every <nav> has an aria-label");
  assert.deepEqual(r.noAlt, [], "images without alt");
  assert.deepEqual(r.unnamedCharts, [], "charts need role=img and a name");
  assert.deepEqual(r.unnamedControls, [], "controls without a name");
  assert.equal(r.skip, "#main");
}

/* Waits until search.html has finished (search.js marks #search with
   data-state="done") and returns the result titles and the highlighted text. */
export async function searchResults(page) {
  await page.waitForSelector('#search[data-state="done"]', { state: "attached" });
  return page.$$eval("#search-results .result", (lis) => lis.map((li) => ({
    title: (() => {
      const a = li.querySelector(".result-title a"), sec = a.querySelector(".result-section");
      return a.textContent.slice(0, a.textContent.length - (sec ? sec.textContent.length : 0));
    })(),
    href: li.querySelector(".result-title a").getAttribute("href"),
    marks: Array.from(li.querySelectorAll("mark")).map((m) => m.textContent),
    meta: li.querySelector(".meta")?.textContent || "",
  })));
}

export function tmpdir() { return fs.mkdtempSync(path.join(os.tmpdir(), "chronicle-e2e-")); }
