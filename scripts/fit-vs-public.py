#!/usr/bin/env python3
"""The uncalibrated class defaults of `memwall fit` against llama.cpp measurements people published
(llama-bench; GPUs with full offload, CPUs with the CPU backend). Rows marked "fit" are the ones a class default was fitted on; "test"
rows were never used to set any number. Prints a Markdown table and, per class, how many test rows
are within 10% / 20%. Usage: scripts/fit-vs-public.py [MEMWALL]   (default build/memwall)

Hardware is a profile name or an inline description; "derived" peaks are shaders x FLOPs per
clock x clock (see results/fit.md). A CPU's peaks count the cores llama-bench ran on, at the midpoint of
base and boost clock (the rule the cpu profiles follow), 32 f32 FLOPs per clock and core (two 256-bit
FMA pipes), int8 twice that with AVX2 alone and four times with VNNI."""
import json
import subprocess
import sys

MEMWALL = sys.argv[1] if len(sys.argv) > 1 else "build/memwall"

RTX3060 = "bw=360,mem=12,tflops=50.9,class=nvidia-consumer"
RTX5080 = "bw=960,mem=16,tflops=225.1,class=nvidia-consumer"
M2ULTRA = "bw=800,mem=192,tflops=27.2,class=apple-gpu"
M1ULTRA = "bw=800,mem=128,tflops=21.3,class=apple-gpu"     # 8192 ALUs x 2 x 1.3 GHz
M3ULTRA80 = "bw=800,mem=512,tflops=28.63,class=apple-gpu"  # 10240 ALUs x 2 x 1.398 GHz
# AMD: FP16 dense peaks. RDNA 2 has no matrix units: 2 x packed FP16 per ALU (x 2 for FMA).
RX6700XT = "bw=384,mem=12,tflops=26.4,class=amd-gpu"       # 2560 ALUs x 4 x 2.581 GHz
RX5700XT = "bw=448,mem=8,tflops=19.5,class=amd-gpu"        # 2560 ALUs x 4 x 1.905 GHz
# CPUs. Bandwidth: the DRAM's theoretical figure (bus bytes x MT/s), as the cpu profiles state it.
I5_4278U = "bw=25.6,mem=8,tflops=0.182,int8=0.365,class=cpu"    # 2 cores x 32 x 2.85 GHz; 128-bit DDR3L-1600
I3_1315U = "bw=41.6,mem=8,tflops=0.182,int8=0.730,class=cpu"    # the 2 P-cores it ran on, AVX-VNNI; one DDR5-5200 SO-DIMM (assumed speed)
R7950X = "bw=64,mem=64,tflops=2.56,int8=10.24,class=cpu"         # as the fit's 7950X; 64 GB/s as its owner states (ik_llama.cpp PR #232)
TR5975WX = "bw=102.4,mem=128,tflops=4.15,int8=8.29,class=cpu"    # 32 cores x 32 x 4.05 GHz, AVX2; 4 of 8 DDR4 channels (speed unknown: tg not compared)

D15013 = "[#15013](https://github.com/ggml-org/llama.cpp/discussions/15013)"
D4167 = "[#4167](https://github.com/ggml-org/llama.cpp/discussions/4167)"
PR10238 = "[PR #10238](https://github.com/ggml-org/llama.cpp/pull/10238)"
PR26284 = "[PR #26284](https://github.com/ggml-org/llama.cpp/pull/26284)"
PR5835 = "[PR #5835](https://github.com/ggml-org/llama.cpp/pull/5835)"
I20934 = "[issue #20934](https://github.com/ggml-org/llama.cpp/issues/20934)"
AB53 = "[ai-benchmarks #53](https://github.com/geerlingguy/ai-benchmarks/issues/53)"
SBC107 = "[sbc-reviews #107](https://github.com/geerlingguy/sbc-reviews/issues/107)"
IK164 = "[ik_llama.cpp #164](https://github.com/ikawrakow/ik_llama.cpp/discussions/164) (mainline column)"
IK54 = "[ik_llama.cpp PR #54](https://github.com/ikawrakow/ik_llama.cpp/pull/54) (llama.cpp column)"

# (set, device, hardware, model, scheme, tg test, tg measured, pp test, pp measured, source)
ROWS = [
    ("fit", "RTX 3060 12GB", RTX3060, "llama-2-7b", "Q4_0", 128, 75.6, 512, 2138, D15013),
    ("fit", "RTX 5080", RTX5080, "llama-2-7b", "Q4_0", 128, 184.7, 512, 9488, D15013),
    ("fit", "A100 80GB", "a100-80gb-sxm", "llama-2-7b", "Q4_0", 128, 200.9, 512, 5286, D15013),
    ("fit", "M2 Ultra 76c (F16)", M2ULTRA, "llama-3.2-3b", "F16", 128, 72.29, 512, 3237.78, PR10238),
    ("fit", "M2 Ultra 76c (Q4_0)", M2ULTRA, "llama-3.2-3b", "Q4_0", 128, 155.86, 512, 2986.43, PR10238),
    ("fit", "RX 7900 XTX (ROCm)", "rx-7900-xtx", "llama-3.1-8b", "Q4_K_M", 64, 105.75, 2048, 3189.36, PR26284),
    ("fit", "RX 6700 XT (ROCm)", RX6700XT, "mistral-7b", "Q4_0", 128, 58.97, 512, 1017.28, PR5835),
    ("test", "RTX 3090", "rtx-3090", "llama-2-7b", "Q4_0", 128, 158.2, 512, 5175, D15013),
    ("test", "RTX 4090", "rtx-4090", "llama-2-7b", "Q4_0", 128, 189, 512, 14771, D15013),
    ("test", "RTX 5090", "rtx-5090", "llama-2-7b", "Q4_0", 128, 300.4, 512, 14970, D15013),
    ("test", "H100 (SXM, HBM3)", "h100-sxm", "llama-2-7b", "Q4_0", 128, 280.7, 512, 11263, D15013),
    ("test", "DGX Spark", "dgx-spark", "llama-2-7b", "Q4_0", 128, 57.2, 512, 3062, D15013),
    ("test", "M1 Ultra 64c", M1ULTRA, "llama-2-7b", "Q4_0", 128, 83.7, 512, 1030, D4167),
    ("test", "M3 Ultra 80c", M3ULTRA80, "llama-2-7b", "Q4_0", 128, 92.1, 512, 1471, D4167),
    ("test", "M4 Max 40c", "mac-studio-m4-max-128gb", "llama-2-7b", "Q4_0", 128, 83.1, 512, 886, D4167),
    ("test", "M4 Pro 20c", "mac-mini-m4-pro-64gb", "llama-2-7b", "Q4_0", 128, 50.7, 512, 440, D4167),
    ("test", "RX 5700 XT (ROCm)", RX5700XT, "llama-2-7b", "Q4_0", 128, 60.44, 512, 318.71, PR5835),
    # A range of runs (tg128 129-144); its prompt test ran with -b 128, so only tg is compared.
    ("test", "RX 7900 XTX (ROCm)", "rx-7900-xtx", "llama-2-7b", "Q4_0", 128, 136.5, None, None, I20934),
    # CPU backend, all the cores llama-bench used. The 7950X's pp512 (153.52 with mainline build 4384)
    # is the device the cpu prefill default was fitted on, so only its tg128 (2 threads) is a test.
    ("test", "Core i5-4278U, 2 threads", I5_4278U, "llama-3.2-3b", "Q4_K_M", 128, 7.68, 512, 17.70, AB53),
    ("test", "Core i3-1315U, 2 threads", I3_1315U, "llama-3.2-3b", "Q4_K_M", 128, 11.05, 512, 28.67, SBC107),
    ("test", "Ryzen 9 7950X, 2 threads", R7950X, "llama-3.1-8b", "Q4_0", 128, 11.23, None, None, IK164),
    ("test", "Threadripper PRO 5975WX, 32 threads", TR5975WX, "llama-3.1-8b", "Q4_0", None, None, 512, 139.09, IK54),
]


def predict(hardware, model, scheme, prompt, gen):
    out = subprocess.run([MEMWALL, "fit", "--hardware", hardware, "--model", model, "--quant", scheme,
                          "--prompt", str(prompt), "--gen", str(gen), "--context", str(max(prompt, gen)), "--json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["rows"][0]["prediction"]


def cell(measured, predicted):
    if measured is None:
        return "", "", ""
    return f"{measured:g}", f"{predicted:.1f}", f"{100 * (predicted / measured - 1):+.0f}%"


print("| set | device | model | tg test | tg measured | tg predicted | error | pp test | pp measured | pp predicted "
      "| error | source |")
print("|---|---|---|---|--:|--:|--:|---|--:|--:|--:|---|")
errors = {}
for row in ROWS:
    kind, device, hw, model, scheme, tg_n, tg_meas, pp_n, pp_meas, source = row
    tg = predict(hw, model, scheme, 0, tg_n)["tg_tok_s"] if tg_n else None
    pp = predict(hw, model, scheme, pp_n, 0)["pp_tok_s"] if pp_n else None
    tg_cells = cell(tg_meas, tg)
    pp_cells = cell(pp_meas, pp)
    print(f"| {kind} | {device} | {model} {scheme} | {'tg' + str(tg_n) if tg_n else ''} | {' | '.join(tg_cells)} | "
          f"{'pp' + str(pp_n) if pp_n else ''} | {' | '.join(pp_cells)} | {source} |")
    if kind == "test":
        if tg_n:
            errors.setdefault("tg", []).append(abs(tg / tg_meas - 1))
        if pp_n:
            errors.setdefault("pp", []).append(abs(pp / pp_meas - 1))
print()
for test, e in errors.items():
    print(f"- test rows, {test}: {len(e)}, within 10%: {sum(x <= 0.10 for x in e)}, within 20%: {sum(x <= 0.20 for x in e)}")
