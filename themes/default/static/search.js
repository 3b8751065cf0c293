/* chronicle search. Runs on search.html only; other pages just submit their
   search box to it. The index is a set of .js files (search/index.js,
   search/terms-N.js, search/docs-*.js) that call the functions registered
   here, so it works from file:// where fetch and XHR of local files do not.
   A query loads only the term shards of its tokens and the doc chunks of the
   results it shows. The postings are per page; the sections a result shows
   are picked from its doc chunk's text. The tokenizer mirrors src/render/search.rs exactly
   (tests/search_js.rs checks both agree). Results are built as DOM nodes, so
   report text is never parsed as HTML. */
(function () {
  "use strict";

  var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var VALUE = {};
  for (var a = 0; a < ALPHABET.length; a++) VALUE[ALPHABET.charAt(a)] = a;
  var PAGE = 20;

  function isCjk(cp) {
    return (cp >= 0x2e80 && cp <= 0x2fdf) || (cp >= 0x3005 && cp <= 0x3007) ||
      (cp >= 0x3040 && cp <= 0x30ff) || (cp >= 0x3100 && cp <= 0x312f) ||
      (cp >= 0x3130 && cp <= 0x318f) || (cp >= 0x31f0 && cp <= 0x31ff) ||
      (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) ||
      (cp >= 0xa960 && cp <= 0xa97f) || (cp >= 0xac00 && cp <= 0xd7af) ||
      (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xff66 && cp <= 0xff9f) ||
      (cp >= 0x20000 && cp <= 0x323af);
  }

  var ALNUM = /^[\p{L}\p{N}]$/u;
  function isAlnum(ch) { return ALNUM.test(ch); }
  function isDigit(ch) { return ch >= "0" && ch <= "9"; }

  /* Case and width folding that keeps every character's length, so
     positions in folded text are positions in the original. */
  function fold(ch) {
    var cp = ch.codePointAt(0);
    if (cp >= 0xff01 && cp <= 0xff5e) ch = String.fromCodePoint(cp - 0xfee0);
    var lower = ch.toLowerCase();
    return Array.from(lower).length === 1 && lower.length === ch.length ? lower : ch;
  }
  function foldString(s) { return Array.from(s).map(fold).join(""); }

  /* Index tokens, exactly as search.rs emits them. */
  function tokens(text, emit) {
    var chars = Array.from(text).map(fold);
    var i = 0;
    while (i < chars.length) {
      var c = chars[i];
      if (isCjk(c.codePointAt(0))) {
        var start = i;
        while (i < chars.length && isCjk(chars[i].codePointAt(0))) i++;
        for (var j = start; j < i; j++) {
          emit(chars[j]);
          if (j + 1 < i) emit(chars[j] + chars[j + 1]);
        }
      } else if (isAlnum(c)) {
        var buf = "";
        while (i < chars.length) {
          var d = chars[i];
          var joins = (d === "." || d === ",") && i > 0 && isDigit(chars[i - 1]) &&
            i + 1 < chars.length && isDigit(chars[i + 1]);
          if ((isAlnum(d) && !isCjk(d.codePointAt(0))) || joins) { buf += d; i++; } else break;
        }
        emit(buf);
      } else {
        i++;
      }
    }
  }

  /* What a query looks up: a CJK run of two or more characters gives its
     pairs, one character itself; words and numbers as indexed. `groups`
     holds the tokens of each phrase (a CJK run or a word), `phrases` the
     phrases to highlight. */
  function analyse(q) {
    var chars = Array.from(q).map(fold);
    var groups = [], phrases = [];
    var i = 0;
    while (i < chars.length) {
      var start = i;
      if (isCjk(chars[i].codePointAt(0))) {
        while (i < chars.length && isCjk(chars[i].codePointAt(0))) i++;
        var run = chars.slice(start, i), pairs = [];
        phrases.push(run.join(""));
        if (run.length === 1) pairs.push(run[0]);
        for (var j = 0; j + 1 < run.length; j++) pairs.push(run[j] + run[j + 1]);
        groups.push(pairs);
      } else {
        while (i < chars.length && !isCjk(chars[i].codePointAt(0))) i++;
        tokens(chars.slice(start, i).join(""), function (t) { groups.push([t]); phrases.push(t); });
      }
    }
    var seen = {}, toks = [];
    groups.forEach(function (g) {
      g.forEach(function (t) { if (!seen[t]) { seen[t] = true; toks.push(t); } });
    });
    return { tokens: toks, groups: groups, phrases: phrases };
  }
  function queryTokens(q) { return analyse(q).tokens; }

  function shardOf(token, shards) {
    var h = 2166136261;
    for (var ch of token) {
      h ^= ch.codePointAt(0);
      h = Math.imul(h, 16777619) >>> 0;
    }
    return h % Math.max(1, shards);
  }

  function decode(s) {
    var out = [], n = 0, mul = 1;
    for (var i = 0; i < s.length; i++) {
      var v = VALUE[s.charAt(i)];
      n += (v & 31) * mul;
      if (v & 32) { mul *= 32; } else { out.push(n); n = 0; mul = 1; }
    }
    return out;
  }

  var state = { index: null, terms: {}, docs: {}, loads: {}, decoded: {} };

  /* The last index whose value in the sorted array `starts` is <= n. */
  function floorIndex(starts, n) {
    var lo = 0, hi = starts.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= n) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  function postings(token) {
    if (!state.decoded[token]) {
      var shard = state.terms[shardOf(token, state.index.shards)] || {};
      var raw = Object.prototype.hasOwnProperty.call(shard, token) ? shard[token] : "";
      var nums = decode(raw), map = new Map(), id = 0;
      for (var i = 0; i + 1 < nums.length; i += 2) { id += nums[i]; map.set(id, nums[i + 1]); }
      state.decoded[token] = map;
    }
    return state.decoded[token];
  }

  /* Pages that have every token of the query. Sum of the tokens' BM25
     weights. */
  function all(toks) {
    var lists = toks.map(postings).sort(function (x, y) { return x.size - y.size; });
    var scores = new Map();
    lists[0].forEach(function (w, id) {
      var sum = w;
      for (var k = 1; k < lists.length; k++) {
        var v = lists[k].get(id);
        if (v === undefined) return;
        sum += v;
      }
      scores.set(id, sum);
    });
    return scores;
  }

  /* Results for the token groups of analyse(): pages with every token;
     failing that, pages with every token of at least one phrase, ranked
     by how many phrases they have (a stray pair of characters is not a
     match). Newer pages first among equals. */
  function rank(groups) {
    var scores = all([].concat.apply([], groups)), partial = false;
    if (scores.size === 0 && groups.length > 1) {
      partial = true;
      groups.forEach(function (g) {
        all(g).forEach(function (w, doc) { scores.set(doc, (scores.get(doc) || 0) + 100000 + w); });
      });
    }
    var results = [];
    scores.forEach(function (score, doc) { results.push({ doc: doc, score: score }); });
    results.sort(function (x, y) { return y.score - x.score || y.doc - x.doc; });
    return { results: results, partial: partial };
  }

  function chunkOf(doc) { return floorIndex(state.index.chunkStarts, doc); }

  /* Where `p` occurs in `folded`, without overlaps: for ranking a page's
     sections and for highlighting. */
  function starts(folded, p) {
    var out = [];
    if (!p) return out;
    for (var at = folded.indexOf(p); at >= 0; at = folded.indexOf(p, at + p.length)) out.push(at);
    return out;
  }

  /* How a section matches the phrases: how many of them it has, and how
     often they occur (in its heading three times over, as the index counts
     it). A CJK run of three or more characters that is not there whole
     counts once when all its pairs are, which is how the index matched it. */
  function matchOf(heading, text, phrases) {
    var h = foldString(heading), t = foldString(text), has = 0, hits = 0;
    phrases.forEach(function (p) {
      var n = 3 * starts(h, p).length + starts(t, p).length, cs = Array.from(p);
      if (!n && cs.length > 2 && isCjk(cs[0].codePointAt(0))) {
        n = 1;
        for (var i = 0; n && i + 1 < cs.length; i++) {
          var pair = cs[i] + cs[i + 1];
          if (h.indexOf(pair) < 0 && t.indexOf(pair) < 0) n = 0;
        }
      }
      if (n) { has++; hits += n; }
    });
    return { has: has, hits: hits };
  }

  /* Page `doc`'s sections that match `phrases` (its doc chunk loaded),
     best first: those with the most phrases, by how often they occur, in
     page order among equals. Sections with fewer phrases than the best are
     left out; a page where no section has any (its pairs in different
     sections) gives its top. */
  function sections(doc, phrases) {
    var c = chunkOf(doc);
    var page = state.docs[c][doc - state.index.chunks[c][1]];
    var list = page[3].map(function (sec, i) {
      var m = matchOf(sec[1], sec[2], phrases);
      return { url: page[0], title: page[1], date: page[2], anchor: sec[0], heading: sec[1],
        text: sec[2], has: m.has, hits: m.hits, at: i };
    });
    if (!list.length) return [{ url: page[0], title: page[1], date: page[2], anchor: "", heading: "", text: "" }];
    list.sort(function (x, y) { return y.has - x.has || y.hits - x.hits || x.at - y.at; });
    var most = list[0].has;
    return most ? list.filter(function (s) { return s.has === most; }) : list.slice(0, 1);
  }

  var api = {
    tokens: tokens, queryTokens: queryTokens, analyse: analyse, shardOf: shardOf,
    decode: decode, foldString: foldString, rank: rank, sections: sections, chunkOf: chunkOf,
    init: function (index) {
      // [file, first page] per chunk: docs-Y.js, docs-Y-2.js, … per year.
      var sizes = decode(index.chunks), chunks = [], first = 0;
      index.years.forEach(function (y) {
        for (var n = 1; n <= y[1]; n++) {
          chunks.push(["docs-" + y[0] + (n > 1 ? "-" + n : "") + ".js", first]);
          first += sizes[chunks.length - 1];
        }
      });
      index.chunks = chunks;
      index.chunkStarts = chunks.map(function (c) { return c[1]; });
      state.index = index;
    },
    index: function () { return state.index; },
    terms: function (i, map) { state.terms[i] = map; },
    docs: function (i, list) { state.docs[i] = list; }
  };
  if (typeof module !== "undefined" && module.exports) { module.exports = api; return; }
  window.chronicleSearch = api;

  var root = document.getElementById("search");
  if (!root) return;
  var base = root.getAttribute("data-root") || "";

  function load(file) {
    if (!state.loads[file]) {
      state.loads[file] = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = base + "search/" + file;
        s.onload = resolve;
        s.onerror = function () { reject(new Error(file)); };
        document.head.appendChild(s);
      });
    }
    return state.loads[file];
  }

  function href(s) { return base + s.url + (s.anchor ? "#" + s.anchor : ""); }

  /* Where the phrases occur in `text`, as merged [start, end) ranges.
     Whole CJK runs first; their pairs only when a run does not occur. */
  function matches(text, phrases, pairs) {
    var folded = foldString(text), ranges = [];
    function find(p) {
      var at = starts(folded, p);
      at.forEach(function (a) { ranges.push([a, a + p.length]); });
      return at.length > 0;
    }
    phrases.forEach(function (p) {
      if (!find(p) && pairs && Array.from(p).length > 2) {
        var cs = Array.from(p);
        for (var i = 0; i + 1 < cs.length; i++) find(cs[i] + cs[i + 1]);
      }
    });
    ranges.sort(function (x, y) { return x[0] - y[0]; });
    var merged = [];
    ranges.forEach(function (r) {
      var last = merged[merged.length - 1];
      if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]); else merged.push(r.slice());
    });
    return merged;
  }

  function isLowSurrogate(text, i) {
    var c = text.charCodeAt(i);
    return c >= 0xdc00 && c <= 0xdfff;
  }

  /* Text with its matches in <mark>, cut to a window around the first one. */
  function highlighted(text, phrases, width) {
    var frag = document.createDocumentFragment();
    var ranges = matches(text, phrases, width > 0);
    var start = 0, end = text.length;
    if (width) {
      // Start at the matching line when that is close, else a little before.
      var first = ranges.length ? ranges[0][0] : 0;
      var line = text.lastIndexOf("\n", first);
      start = first - line <= width / 2 ? line + 1 : first - Math.floor(width / 4);
      end = Math.min(text.length, start + width);
      if (isLowSurrogate(text, start)) start++;
      if (isLowSurrogate(text, end)) end++;
    }
    function put(s) { frag.appendChild(document.createTextNode(s.replace(/\s+/g, " "))); }
    if (start > 0) put("… ");
    var at = start;
    ranges.forEach(function (r) {
      if (r[1] <= start || r[0] >= end) return;
      var a = Math.max(r[0], start), b = Math.min(r[1], end);
      if (a > at) put(text.slice(at, a));
      var m = document.createElement("mark");
      m.textContent = text.slice(a, b);
      frag.appendChild(m);
      at = b;
    });
    if (end > at) put(text.slice(at, end));
    if (end < text.length) put(" …");
    return frag;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  function render(r, phrases) {
    var found = sections(r.doc, phrases), best = found[0];
    var li = el("li", "result");
    var h = el("h2", "result-title");
    var a = el("a");
    a.setAttribute("href", href(best));
    a.appendChild(highlighted(best.title, phrases, 0));
    if (best.heading && best.anchor) {
      a.appendChild(el("span", "result-section", " › "));
      a.lastChild.appendChild(highlighted(best.heading, phrases, 0));
    }
    h.appendChild(a);
    li.appendChild(h);
    if (best.date) li.appendChild(el("p", "meta", best.date));
    var snip = el("p", "snippet");
    snip.appendChild(highlighted(best.text || best.heading || "", phrases, 160));
    li.appendChild(snip);
    var more = found.slice(1, 6).filter(function (s) { return s.anchor; });
    if (more.length) {
      var p = el("p", "also", root.getAttribute("data-also") + " ");
      more.forEach(function (s, i) {
        if (i) p.appendChild(document.createTextNode(" · "));
        var link = el("a", "", s.heading);
        link.setAttribute("href", href(s));
        p.appendChild(link);
      });
      li.appendChild(p);
    }
    return li;
  }

  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var moreButton = document.getElementById("search-more");

  function say(key, n, q) {
    status.textContent = (root.getAttribute("data-" + key) || "")
      .replace("{n}", String(n)).replace("{q}", q);
  }

  function run(q) {
    var a = analyse(q);
    if (!a.tokens.length) { status.textContent = ""; return Promise.resolve(); }
    say("loading", 0, q);
    var shards = {};
    a.tokens.forEach(function (t) { shards[shardOf(t, state.index.shards)] = true; });
    return Promise.all(Object.keys(shards).map(function (i) { return load("terms-" + i + ".js"); }))
      .then(function () {
        var ranked = rank(a.groups);
        var results = ranked.results, shown = 0;
        if (!results.length) { say("none", 0, q); return; }
        function showMore() {
          var page = results.slice(shown, shown + PAGE);
          var chunks = {};
          page.forEach(function (r) { chunks[chunkOf(r.doc)] = true; });
          return Promise.all(Object.keys(chunks).map(function (c) {
            return load(state.index.chunks[c][0]);
          })).then(function () {
            page.forEach(function (r) { list.appendChild(render(r, a.phrases)); });
            shown += page.length;
            moreButton.hidden = shown >= results.length;
          });
        }
        moreButton.onclick = function () { showMore(); };
        // The status (a live region) speaks once the results are there.
        return showMore().then(function () {
          say(ranked.partial ? "partial" : "results", results.length, q);
        });
      });
  }

  var q = new URLSearchParams(window.location.search).get("q") || "";
  var input = document.getElementById("q");
  input.value = q;
  if (!q) { input.focus(); root.setAttribute("data-state", "done"); return; }
  document.title = q + " · " + document.title;
  // data-state="done" tells tests (and anyone scripting the page) that
  // the search has finished, whatever its outcome.
  load("index.js").then(function () { return run(q); })
    .catch(function () { say("error", 0, q); })
    .then(function () { root.setAttribute("data-state", "done"); });
})();
