"""Every file in deploy/ is used by a test: a file counts as used when its name appears in a test source (deploy/test,
tests/) or in a deploy/ file that is itself used (compose.yml mounting ./prometheus.yml); the Helm chart's files are all
rendered by helmrender. Prints the files no test reaches. usage: files_used.py ROOT"""
import os, subprocess, sys

root = sys.argv[1]
files = subprocess.run(["git", "-C", root, "ls-files", "deploy"], capture_output=True, text=True, check=True).stdout.split()
sources = []
for top in ("deploy/test", "tests"):
    for d, _, names in os.walk(os.path.join(root, top)):
        if "/bin" in d or "/obj" in d or "node_modules" in d:
            continue
        sources += [os.path.join(d, n) for n in names if n.endswith((".sh", ".py", ".cs", ".go"))]
text = "".join(open(p, errors="replace").read() for p in sources)
used = {f for f in files if f.startswith(("deploy/test/", "deploy/helm/neuronguard/"))}
while True:
    more = {f for f in files if f not in used and (f in text or os.path.basename(f) in text)}
    if not more:
        break
    used |= more
    text += "".join(open(os.path.join(root, f), errors="replace").read() for f in more)
unused = sorted(set(files) - used)
for f in unused:
    print(f"  not used by any test: {f}")
sys.exit(1 if unused else 0)
