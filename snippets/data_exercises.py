"""Solutions to the exercises of chapter 1 (the data).

Run: python snippets/data_exercises.py
"""

import numpy as np

# --8<-- [start:memory]
rows, columns = 10_000_000, 5
for dtype in ("float32", "float64"):
    size = rows * columns * np.dtype(dtype).itemsize
    print(f"{dtype}: {size / 2**20:,.0f} MiB")
# --8<-- [end:memory]

# --8<-- [start:first_gap]
# Gaps between floats double at every power of two, so the first integer lost
# sits just above a power of two: test 2**bits + 1 for growing bits.
bits = 1
while int(np.float32(2**bits + 1)) == 2**bits + 1:
    bits += 1

first_gap = 2**bits + 1
print("first integer float32 cannot hold:", first_gap, "= 2**%d + 1" % bits)
print("float32 stores it as:", int(np.float32(first_gap)))
print("float64 stores it as:", int(np.float64(first_gap)))
# --8<-- [end:first_gap]
