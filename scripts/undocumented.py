"""Counts, per module in Sources/MODULE, the public/open declarations (one line each; enum cases and Codable/Equatable/Hashable/description witnesses not counted) and those without a /// doc comment above, listing the latter in /tmp/undoc-MODULE.txt."""
import re,glob,sys
for m in sys.argv[1:]:
    total=0; und=[]
    for f in glob.glob(f"Sources/{m}/**/*.swift",recursive=True):
        lines=open(f).read().split("\n")
        for i,l in enumerate(lines):
            if re.match(r"\s*(@\w+(\(.*?\))?\s+)*(public|open)\s+(static\s+|final\s+|override\s+|mutating\s+|nonisolated\s+|indirect\s+|convenience\s+|required\s+)*(struct|enum|class|protocol|typealias|func|let|var|init|actor|subscript|case)\b",l) and "extension" not in l and not re.search(r"init\(from decoder|func encode\(to encoder|static func == |func hash\(into|var description: String|var debugDescription: String|var errorDescription", l):
                total+=1
                j=i-1
                while j>=0 and re.match(r"\s*@",lines[j]): j-=1
                if j<0 or not lines[j].strip().startswith("///") and not lines[j].strip().endswith("*/"):
                    # same-line trailing doc? no
                    und.append(f"{f}:{i+1}: {l.strip()[:90]}")
    print(m,total,len(und),f"{100*(total-len(und))/max(total,1):.0f}%")
    open(f"/tmp/undoc-{m}.txt","w").write("\n".join(und))
