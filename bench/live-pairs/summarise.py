import re, glob, statistics, sys
# Usage: summarise.py [OUT]  (the folder run-pairs.sh wrote old-N.log / new-N.log into)
OUT = sys.argv[1] if len(sys.argv) > 1 else '/tmp/live-pairs'
def parse(path):
    lat, ing, point = {}, {}, None
    for line in open(path, encoding='utf-8', errors='replace'):
        m = re.match(r'verdict latency: (\d+) slots, (\d+) streams, (.*?) …', line)
        if m: point = ('lat', f"{int(m[1]):,} slots, {m[2]} stream{'s' if m[2]!='1' else ''}, {m[3]}"); continue
        m = re.match(r'ingest: (\d+) slots × (\d+) steps per frame, (\d+) streams, window (\d+) …', line)
        if m: point = ('ing', f"{int(m[1]):,} slots × {m[2]} step, {m[3]} streams, window {m[4]}"); continue
        m = re.match(r'\s+p50 ([\d.]+) ms, p99 ([\d.]+) ms', line)
        if m and point and point[0]=='lat': lat[point[1]] = (float(m[1]), float(m[2])); point=None; continue
        m = re.match(r'\s+([\d,]+) values/s \(([\d,]+) frames/s', line)
        if m and point and point[0]=='ing': ing[point[1]] = (float(m[1].replace(',','')), float(m[2].replace(',',''))); point=None
    return lat, ing
pairs = []
for old in sorted(glob.glob(f'{OUT}/old-*.log')):
    i = old.rsplit('-',1)[1]
    new = f'{OUT}/new-{i}'
    pairs.append((parse(old), parse(new)))
n = len(pairs)
def fmt(xs): return f"{statistics.median(xs):.2f}x ({min(xs):.2f}–{max(xs):.2f})"
print(f"| point ({n} pairs) | p50 ms old / new (medians) | p50 new/old median (range) | p99 new/old median (range) |")
print("| --- | ---: | ---: | ---: |")
for key in pairs[0][0][0]:
    r50 = [p[1][0][key][0]/p[0][0][key][0] for p in pairs if key in p[0][0] and key in p[1][0]]
    r99 = [p[1][0][key][1]/p[0][0][key][1] for p in pairs if key in p[0][0] and key in p[1][0]]
    o = statistics.median(p[0][0][key][0] for p in pairs if key in p[0][0]); nw = statistics.median(p[1][0][key][0] for p in pairs if key in p[1][0])
    print(f"| {key} | {o:.3f} / {nw:.3f} | {fmt(r50)} | {fmt(r99)} |")
print()
print(f"| ingest ({n} pairs) | frames/s old / new (medians) | frames/s new/old median (range) |")
print("| --- | ---: | ---: |")
for key in pairs[0][0][1]:
    r = [p[1][1][key][1]/p[0][1][key][1] for p in pairs if key in p[0][1] and key in p[1][1]]
    o = statistics.median(p[0][1][key][1] for p in pairs if key in p[0][1]); nw = statistics.median(p[1][1][key][1] for p in pairs if key in p[1][1])
    print(f"| {key} | {o:,.0f} / {nw:,.0f} | {fmt(r)} |")
