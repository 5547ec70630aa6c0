"""PyTorch peer of `bandits report`: the textbook LSTM gradient step (joint student, K=5, inputs one-hot + reward + t/H,
nn.LSTM(7, 64) -> nn.Linear(64, 5), T=50, batch 256, cross-entropy, backward, Adam), median of N steps after warm-up.
Prints one line: `pytorch <threads> <env-steps/s>`. Usage: python3 bandit_lstm_torch.py THREADS [HIDDEN BATCH STEPS]."""
import sys
import time

import torch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
hidden = int(sys.argv[2]) if len(sys.argv) > 2 else 64
batch = int(sys.argv[3]) if len(sys.argv) > 3 else 256
steps = int(sys.argv[4]) if len(sys.argv) > 4 else 20
torch.set_num_threads(threads)
torch.manual_seed(0)
K, T = 5, 50
lstm = torch.nn.LSTM(K + 2, hidden, 1, batch_first=True)
head = torch.nn.Linear(hidden, K)
opt = torch.optim.Adam(list(lstm.parameters()) + list(head.parameters()), lr=1e-3)
x = torch.rand(batch, T, K + 2)
labels = torch.randint(0, K, (batch, T))
times = []
for i in range(steps + 2):
    t0 = time.perf_counter()
    out, _ = lstm(x)
    loss = torch.nn.functional.cross_entropy(head(out).reshape(-1, K), labels.reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
    if i >= 2:
        times.append(time.perf_counter() - t0)
times.sort()
print(f"pytorch {threads} {batch * T / times[len(times) // 2]:.1f}")
