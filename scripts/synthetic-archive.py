#!/usr/bin/env python3
"""Makes a large archive for measuring: the sample's reports replicated
with shifted dates, one report a week going back from the last sample.

    scripts/synthetic-archive.py OUT_DIR [COUNT]   (COUNT defaults to 10000)

Each copy gets a title line `# 第N周 YYYY-MM-DD` for its own week (weeks
counted from Monday with 1 January in week 1, as in the sample) and loses
the sample's own title lines and Notion `Created:` line."""
import datetime
import pathlib
import re
import sys

out = pathlib.Path(sys.argv[1])
count = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
content = pathlib.Path(__file__).resolve().parent.parent / "content"
bodies = []
for f in sorted(content.glob("*.md")):
    lines = f.read_text(encoding="utf-8").splitlines()
    keep = [l for l in lines if not re.match(r"^(# 第\d+周|Created:)", l)]
    bodies.append("\n".join(keep))
out.mkdir(parents=True, exist_ok=True)
last = datetime.date(2023, 12, 29)
for i in range(count):
    d = last - datetime.timedelta(weeks=i)
    jan1 = datetime.date(d.year, 1, 1)
    week = ((d - jan1).days + jan1.weekday()) // 7 + 1
    folder = out / str(d.year)
    folder.mkdir(exist_ok=True)
    text = f"# 第{week}周 {d.isoformat()}\n\n{bodies[i % len(bodies)]}\n"
    (folder / f"第{week}周 {d.isoformat()}.md").write_text(text, encoding="utf-8")
print(f"{count} reports in {out}")
