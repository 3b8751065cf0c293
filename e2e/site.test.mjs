// End-to-end tests of the sample site opened from disk, in Chinese and in
// English. Run with `make e2e` (part of `make test`); see README.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
  PAGES, SHOTS, buildSample, buildArchive, fileUrl, launch, open, screenshot, assertChartsVisible,
  assertAccessible, searchResults,
} from "./harness.mjs";

let browser, zh, en;
before(async () => {
  zh = buildSample("zh");
  en = buildSample("en");
  browser = await launch();
});
after(async () => { await browser?.close(); });

const W16 = "第16周 2023-04-14", W17 = "第17周 2023-04-21", W22 = "第22周 2023-05-27";

test("every kept page renders without errors, with its charts, and is screenshotted", async () => {
  for (const [lang, site] of [["zh", zh], ["en", en]]) {
    for (const p of PAGES) {
      const t = await open(browser, fileUrl(site, p.path));
      if (p.path.startsWith("search.html")) await searchResults(t.page);
      await assertChartsVisible(t.page, p.charts || 0);
      await assertAccessible(t.page);
      await screenshot(t.page, `${p.name}-${lang}`);
      t.check();
      await t.close();
    }
  }
});

test("every page in the navigation opens without errors", async () => {
  const t = await open(browser, fileUrl(zh, "index.html"));
  const links = await t.page.$$eval(".site-nav a", (as) => as.map((a) => a.href));
  assert.ok(links.length >= 2, "navigation has the archive and search");
  for (const href of links) {
    await t.page.goto(href);
    assert.ok(await t.page.locator("main h1, main h2").first().isVisible(), href);
    await assertChartsVisible(t.page, 0);
    await assertAccessible(t.page);
  }
  t.check();
  await t.close();
});

test("archive links open every report", async () => {
  const t = await open(browser, fileUrl(zh, "index.html"));
  const items = await t.page.$$eval(".report-list a", (as) => as.map((a) => ({
    href: a.getAttribute("href"), title: a.querySelector(".title").textContent,
  })));
  assert.equal(items.length, 5);
  for (const item of items) {
    await t.page.goto(fileUrl(zh, "index.html"));
    await t.page.click(`.report-list a[href="${item.href}"]`);
    await t.page.waitForURL("**/" + item.href);
    assert.equal(await t.page.textContent(".page-head h1"), item.title);
  }
  t.check();
  await t.close();
});

test("previous and next links and the ← → keys move between reports", async () => {
  const t = await open(browser, fileUrl(zh, "reports/2023-w16.html"));
  const { page } = t;
  assert.equal(await page.locator('a[rel="prev"]').count(), 0, "the first report has no previous");
  await page.click('a[rel="next"]');
  await page.waitForURL("**/2023-w17.html");
  await page.keyboard.press("ArrowRight");
  await page.waitForURL("**/2023-w22.html");
  await page.keyboard.press("ArrowLeft");
  await page.waitForURL("**/2023-w17.html");
  await page.click('a[rel="prev"]');
  await page.waitForURL("**/2023-w16.html");
  // Not while typing: the arrow moves the caret in the search box.
  await page.fill(".site-search input", "hive");
  await page.keyboard.press("ArrowRight");
  await page.waitForTimeout(300);
  assert.match(page.url(), /2023-w16\.html$/);
  // The last report has no next; → does nothing.
  await page.goto(fileUrl(zh, "reports/2023-w50.html"));
  assert.equal(await page.locator('a[rel="next"]').count(), 0);
  t.check();
  await t.close();
});

test("searching 热点账户 from the header box lists the 第16周 and 第17周 reports", async () => {
  const t = await open(browser, fileUrl(zh, "reports/2023-w39.html"));
  const { page } = t;
  await page.fill(".site-search input", "热点账户");
  await page.press(".site-search input", "Enter");
  await page.waitForURL(/search\.html\?q=/);
  const results = await searchResults(page);
  const titles = results.map((r) => r.title);
  assert.ok(titles.includes(W16) && titles.includes(W17), JSON.stringify(titles));
  assert.ok(!titles.some((x) => x.startsWith("第39周") || x.startsWith("第50周")));
  for (const r of results) assert.ok(r.marks.includes("热点账户"), JSON.stringify(r));
  assert.equal(await page.inputValue("#q"), "热点账户");
  // Only the index files this query needs were loaded.
  const searchFiles = t.loaded.filter((u) => u.includes("/search/")).map((u) => u.split("/search/")[1]);
  assert.ok(searchFiles.includes("index.js") && searchFiles.includes("terms-0.js"), searchFiles);
  assert.ok(searchFiles.every((f) => /^(index|terms-\d+|docs-2023(-\d+)?)\.js$/.test(f)), searchFiles);
  assert.ok(searchFiles.length < 2 + 4, "at most one doc chunk per result: " + searchFiles);
  // A result links to the section it matched in.
  const first = results.find((r) => r.title === W16);
  assert.match(first.href, /^reports\/2023-w16\.html#.+/);
  await page.click(`.result-title a[href="${first.href}"]`);
  await page.waitForURL("**/2023-w16.html#*");
  const id = decodeURIComponent(new URL(page.url()).hash.slice(1));
  assert.equal(await page.locator(`[id="${id}"]`).count(), 1);
  t.check();
  await t.close();
});

test("searching hive finds the reports with Hive, in any case", async () => {
  let before;
  for (const q of ["hive", "HIVE", "Hive"]) {
    const t = await open(browser, fileUrl(zh, "search.html?q=" + q));
    const titles = (await searchResults(t.page)).map((r) => r.title).sort();
    assert.deepEqual(titles, [W16, W17, W22], q);
    if (before) assert.deepEqual(titles, before);
    before = titles;
    const marks = await t.page.$$eval("#search-results mark", (ms) => ms.map((m) => m.textContent.toLowerCase()));
    assert.ok(marks.length > 0 && marks.every((m) => m === "hive"), JSON.stringify(marks));
    t.check();
    await t.close();
  }
  const none = await open(browser, fileUrl(zh, "search.html?q=%E6%B2%A1%E6%9C%89%E8%BF%99%E4%B8%AA%E8%AF%8D%E8%AF%AD"));
  assert.equal((await searchResults(none.page)).length, 0);
  assert.match(await none.page.textContent("#search-status"), /没有找到/);
  none.check();
  await none.close();
});

test("pages other than search.html load no part of the index", async () => {
  for (const p of ["index.html", "reports/2023-w16.html", "404.html"]) {
    const t = await open(browser, fileUrl(zh, p));
    assert.deepEqual(t.loaded.filter((u) => u.includes("/search/")), [], p);
    t.check();
    await t.close();
  }
});

const background = (page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
const isDark = (rgb) => {
  const [r, g, b] = rgb.match(/\d+/g).map(Number);
  return r + g + b < 150;
};

test("dark mode follows the system, and the toggle overrides it and is remembered", async () => {
  const sys = await open(browser, fileUrl(zh, "reports/2023-w16.html"), { colorScheme: "dark" });
  assert.ok(isDark(await background(sys.page)), "follows a dark system");
  await screenshot(sys.page, "report-dark-zh");
  sys.check();
  await sys.close();

  const t = await open(browser, fileUrl(zh, "index.html"), { colorScheme: "light" });
  const { page } = t;
  assert.ok(!isDark(await background(page)));
  assert.equal(await page.getAttribute("#theme-toggle", "aria-pressed"), "false");
  await page.click("#theme-toggle");
  assert.ok(isDark(await background(page)), "toggle switches to dark");
  assert.equal(await page.getAttribute("#theme-toggle", "aria-pressed"), "true");
  // Remembered on other pages and after a reload, applied before the
  // stylesheet (the attribute is already there when the first paint could
  // happen: the inline script in <head> runs before <body> is parsed).
  // Chromium hands a localStorage write to the browser process
  // asynchronously, and may load the next page in a new renderer that
  // asks the browser for it: navigating in the same millisecond as the
  // click lost that race once in eleven runs. A reader's next click
  // comes later than that.
  await page.waitForTimeout(250);
  await page.goto(fileUrl(zh, "reports/2023-w17.html"));
  assert.ok(isDark(await background(page)), "remembered on the next page");
  const early = await page.evaluate(() => {
    const head = document.head.innerHTML;
    return head.indexOf("chronicle-theme") < head.indexOf("stylesheet");
  });
  assert.ok(early, "theme script runs before the stylesheet link");
  await page.click("#theme-toggle");
  assert.ok(!isDark(await background(page)));
  // Back to the system's choice: nothing stored.
  assert.equal(await page.evaluate(() => localStorage.getItem("chronicle-theme")), null);
  t.check();
  await t.close();
});

test("a report prints without navigation, black on white", async () => {
  const t = await open(browser, fileUrl(zh, "reports/2023-w17.html"), { colorScheme: "dark" });
  const { page } = t;
  await page.emulateMedia({ media: "print" });
  for (const sel of [".site-header", ".site-footer", ".pager", ".toc", ".crumbs"]) {
    assert.equal(await page.$eval(sel, (e) => getComputedStyle(e).display), "none", sel);
  }
  assert.equal(await background(page), "rgb(255, 255, 255)");
  assert.ok(await page.locator(".page-head h1").isVisible());
  const pdf = await page.pdf({ format: "A4", printBackground: true });
  assert.equal(pdf.subarray(0, 4).toString(), "%PDF");
  fs.mkdirSync(SHOTS, { recursive: true });
  fs.writeFileSync(path.join(SHOTS, "report-print-zh.pdf"), pdf);
  t.check();
  await t.close();
});

test("404.html renders styled at any depth", async () => {
  const deep = path.join(zh, "no", "such", "place");
  fs.mkdirSync(deep, { recursive: true });
  fs.copyFileSync(path.join(zh, "404.html"), path.join(deep, "missing.html"));
  const t = await open(browser, fileUrl(zh, "no/such/place/missing.html"));
  assert.equal(await t.page.$eval(".site-header", (e) => getComputedStyle(e).position), "sticky");
  assert.equal(await t.page.textContent("main h1"), "页面不存在");
  await screenshot(t.page, "404-deep-zh");
  t.check();
  await t.close();
  fs.rmSync(path.join(zh, "no"), { recursive: true });
});

test("the English site speaks English, dates included", async () => {
  const t = await open(browser, fileUrl(en, "index.html"));
  const { page } = t;
  assert.equal(await page.getAttribute("html", "lang"), "en");
  assert.deepEqual(await page.$$eval(".site-nav a", (as) => as.map((a) => a.textContent)),
    ["Archive", "Metrics", "Projects", "Incidents", "Search"]);
  assert.match(await page.textContent(".counts"), /5 reports · 14 Apr 2023 – 9 Dec 2023/);
  await page.fill(".site-search input", "hive");
  await page.press(".site-search input", "Enter");
  await page.waitForURL(/search\.html\?q=hive$/);
  const results = await searchResults(page);
  assert.equal(results.length, 3);
  assert.match(await page.textContent("#search-status"), /^3 reports or daily notes match “hive”$/);
  assert.ok(results.every((r) => /^\d{1,2} [A-Z][a-z]{2} 2023$/.test(r.meta)), JSON.stringify(results));
  await page.goto(fileUrl(en, "reports/2023-w16.html"));
  assert.match(await page.textContent(".page-head .meta"), /14 Apr 2023 · Week 16/);
  assert.match(await page.textContent(".pager"), /Next/);
  t.check();
  await t.close();
});

test("keyboard focus is visible, starting with the skip link", async () => {
  const t = await open(browser, fileUrl(zh, "reports/2023-w16.html"));
  const { page } = t;
  await page.keyboard.press("Tab");
  const skip = await page.evaluate(() => {
    const e = document.activeElement, r = e.getBoundingClientRect();
    return { cls: e.className, left: r.left, width: r.width };
  });
  assert.equal(skip.cls, "skip");
  assert.ok(skip.left >= 0 && skip.width > 0, "the skip link shows when focused");
  await page.keyboard.press("Tab");
  const ring = await page.evaluate(() => {
    const s = getComputedStyle(document.activeElement);
    return { tag: document.activeElement.tagName, style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
  });
  assert.equal(ring.tag, "A");
  assert.ok(ring.style !== "none" && ring.width >= 2, JSON.stringify(ring));
  await page.keyboard.press("Enter");
  await page.waitForURL("**/index.html");
  t.check();
  await t.close();
});

test("search shows report text as text, never as HTML", async () => {
  const site = buildArchive({
    // Code spans and entities are text that looks like HTML; raw HTML is
    // sanitised by the markdown stage and must not run either.
    "2023-04-14.md": '# Report\n\n## Risky\n\nThe payload `<img src=x onerror="window.pwned=1">` and &lt;script&gt;window.pwned=2&lt;/script&gt; and <img src=y onerror="window.pwned=3"> onerror here.\n',
  });
  const t = await open(browser, fileUrl(site, "search.html?q=onerror"));
  const results = await searchResults(t.page);
  assert.equal(results.length, 1);
  assert.equal(await t.page.locator("#search-results img, #search-results script").count(), 0);
  const snippet = await t.page.textContent("#search-results .snippet");
  assert.match(snippet, /<img src=x onerror="window\.pwned=1">/);
  assert.match(snippet, /<script>window\.pwned=2<\/script>/);
  assert.equal(await t.page.evaluate(() => window.pwned), undefined);
  t.check();
  await t.close();
});

test("pages fit a phone screen without sideways scrolling", async () => {
  for (const p of PAGES) {
    const t = await open(browser, fileUrl(zh, p.path), { viewport: { width: 390, height: 800 } });
    if (p.path.startsWith("search.html")) await searchResults(t.page);
    const fit = await t.page.evaluate(() => ({
      page: document.documentElement.scrollWidth, view: window.innerWidth,
      header: document.querySelector(".site-header").getBoundingClientRect().height,
    }));
    assert.ok(fit.page <= fit.view, `${p.path}: ${fit.page}px wide in a ${fit.view}px screen`);
    assert.ok(fit.header < 160, `${p.path}: header ${fit.header}px tall`);
    if (p.name === "home" || p.name === "report") await screenshot(t.page, `${p.name}-phone-zh`);
    t.check();
    await t.close();
  }
});
