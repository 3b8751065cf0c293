// chronicle serve: reloads this page when the site is rebuilt and shows a
// failed rebuild's errors over it. `chronicle serve` adds this script to the
// pages it serves; `chronicle build` never does.
(() => {
  const since = document.currentScript.dataset.generation || "";
  const zh = (document.documentElement.lang || "").toLowerCase().startsWith("zh");
  const text = zh
    ? {
        title: "重建失败：页面仍是上一次成功构建的版本",
        hint: "修正后保存，页面会自动刷新。",
        close: "关闭",
      }
    : {
        title: "Rebuild failed: this page is from the last good build",
        hint: "Fix the file and save; the page reloads by itself.",
        close: "Close",
      };
  let source = null;
  let overlay = null;

  function hide() {
    if (overlay) overlay.remove();
    overlay = null;
  }

  function show(errors) {
    hide();
    overlay = document.createElement("chronicle-errors");
    // A shadow root keeps the site's CSS off the overlay and ours off the site.
    const root = overlay.attachShadow({ mode: "open" });
    const style = document.createElement("style");
    style.textContent = `
      .panel { position: fixed; z-index: 2147483647; left: 0; right: 0; bottom: 0;
        max-height: 60vh; overflow: auto; box-sizing: border-box; padding: 16px 20px;
        background: #2b0d0d; color: #fde8e8; border-top: 4px solid #e5484d;
        font: 14px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, "Noto Sans Mono CJK SC", "Microsoft YaHei", monospace;
        box-shadow: 0 -4px 24px rgba(0,0,0,.35); }
      h2 { margin: 0 32px 8px 0; font-size: 15px; color: #ff9592; }
      ul { margin: 0; padding: 0; list-style: none; }
      li { padding: 4px 0; white-space: pre-wrap; word-break: break-word; }
      b { color: #fff; }
      p { margin: 8px 0 0; color: #d9b8b8; }
      button { position: absolute; top: 10px; right: 12px; background: none; border: 0;
        color: #fde8e8; font-size: 22px; cursor: pointer; line-height: 1; }`;
    const panel = document.createElement("div");
    panel.className = "panel";
    panel.setAttribute("role", "alert");
    const close = document.createElement("button");
    close.type = "button";
    close.textContent = "×";
    close.title = text.close;
    close.setAttribute("aria-label", text.close);
    close.addEventListener("click", hide);
    const h = document.createElement("h2");
    h.textContent = text.title;
    const list = document.createElement("ul");
    for (const line of errors) {
      const li = document.createElement("li");
      // `path:line: error: message`: the location in bold.
      const m = /^(.*?:\d+|[^:]*): (error|warning): /.exec(line);
      if (m) {
        const b = document.createElement("b");
        b.textContent = m[1];
        li.append(b, line.slice(m[1].length));
      } else {
        li.textContent = line;
      }
      list.append(li);
    }
    const p = document.createElement("p");
    p.textContent = text.hint;
    panel.append(close, h, list, p);
    root.append(style, panel);
    document.documentElement.append(overlay);
  }

  function connect() {
    source = new EventSource("/_chronicle/events?since=" + encodeURIComponent(since));
    source.addEventListener("reload", () => {
      source.close();
      location.reload();
    });
    source.addEventListener("errors", (e) => show(JSON.parse(e.data)));
    source.addEventListener("clear", hide);
  }

  function disconnect() {
    if (source) source.close();
    source = null;
  }
  function ensure() {
    if (!source || source.readyState === EventSource.CLOSED) connect();
  }

  addEventListener("pageshow", ensure);
  addEventListener("pagehide", disconnect);
  // Browsers allow about six connections per server: background tabs let
  // theirs go, and catch up (the server compares generations) when shown.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") disconnect();
    else ensure();
  });
})();
