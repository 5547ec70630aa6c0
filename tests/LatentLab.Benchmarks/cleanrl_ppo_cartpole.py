"""The peer of `rl cartpole`: PPO on CartPole-v1 with CleanRL ppo.py's algorithm and defaults, in PyTorch.

gymnasium is not installable here (PyPI is unreachable), so CartPole-v1's dynamics are a vectorised numpy copy of Gym's
equations (Euler, 500-step truncation, auto-reset). Everything else follows ppo.py's defaults: 4 envs x 128 steps,
lr 2.5e-4 annealed, gamma 0.99, GAE lambda 0.95, 4 minibatches x 4 epochs, clip 0.2 (value loss clipped too),
entropy 0.01, value coefficient 0.5, max grad norm 0.5, 64-64 tanh networks with orthogonal init.

    /usr/bin/python3 tests/LatentLab.Benchmarks/cleanrl_ppo_cartpole.py [--timesteps 500000] [--seed 1] [--threads 1]
"""
import argparse
import math
import time

import numpy as np
import torch
import torch.nn as nn


class CartPole:
    """N CartPole-v1 environments (Gym's constants and equations), auto-reset after a done step."""

    def __init__(self, n, rng):
        self.n, self.rng = n, rng
        self.state = rng.uniform(-0.05, 0.05, (n, 4))
        self.length = np.zeros(n, dtype=np.int64)
        self.ret = np.zeros(n)

    def obs(self):
        return self.state.astype(np.float32)

    def step(self, action):
        g, mc, mp, l, f_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
        x, x_dot, th, th_dot = self.state.T
        force = np.where(action == 1, f_mag, -f_mag)
        cos, sin = np.cos(th), np.sin(th)
        temp = (force + mp * l * th_dot ** 2 * sin) / (mc + mp)
        th_acc = (g * sin - cos * temp) / (l * (4.0 / 3.0 - mp * cos ** 2 / (mc + mp)))
        x_acc = temp - mp * l * th_acc * cos / (mc + mp)
        x, x_dot = x + tau * x_dot, x_dot + tau * x_acc
        th, th_dot = th + tau * th_dot, th_dot + tau * th_acc
        self.state = np.stack([x, x_dot, th, th_dot], 1)
        self.length += 1
        self.ret += 1.0
        terminated = (np.abs(x) > 2.4) | (np.abs(th) > 12 * 2 * math.pi / 360)
        done = terminated | (self.length >= 500)
        finished = self.ret[done].copy()
        k = int(done.sum())
        if k:
            self.state[done] = self.rng.uniform(-0.05, 0.05, (k, 4))
            self.length[done] = 0
            self.ret[done] = 0.0
        return np.ones(self.n, dtype=np.float32), done, finished


def layer(i, o, std=math.sqrt(2)):
    m = nn.Linear(i, o)
    nn.init.orthogonal_(m.weight, std)
    nn.init.constant_(m.bias, 0.0)
    return m


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--timesteps", type=int, default=500000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    envs_n, steps, mbs, epochs = 4, 128, 4, 4
    lr, gamma, lam, clip, ent, vf, max_norm = 2.5e-4, 0.99, 0.95, 0.2, 0.01, 0.5, 0.5
    batch = envs_n * steps
    mb = batch // mbs
    updates = a.timesteps // batch
    env = CartPole(envs_n, np.random.default_rng(a.seed))
    critic = nn.Sequential(layer(4, 64), nn.Tanh(), layer(64, 64), nn.Tanh(), layer(64, 1, 1.0))
    actor = nn.Sequential(layer(4, 64), nn.Tanh(), layer(64, 64), nn.Tanh(), layer(64, 2, 0.01))
    params = list(critic.parameters()) + list(actor.parameters())
    opt = torch.optim.Adam(params, lr=lr, eps=1e-5)
    obs_b = torch.zeros(steps, envs_n, 4)
    act_b = torch.zeros(steps, envs_n, dtype=torch.long)
    logp_b = torch.zeros(steps, envs_n)
    rew_b = torch.zeros(steps, envs_n)
    done_b = torch.zeros(steps, envs_n)
    val_b = torch.zeros(steps, envs_n)
    obs = torch.from_numpy(env.obs())
    done = torch.zeros(envs_n)
    returns_seen = []
    step = 0
    next_report = 50000
    start = time.time()
    for update in range(updates):
        opt.param_groups[0]["lr"] = lr * (1.0 - update / updates)
        for t in range(steps):
            step += envs_n
            obs_b[t], done_b[t] = obs, done
            with torch.no_grad():
                logits = actor(obs)
                dist = torch.distributions.Categorical(logits=logits)
                action = dist.sample()
                logp_b[t], val_b[t] = dist.log_prob(action), critic(obs).squeeze(-1)
            act_b[t] = action
            r, d, finished = env.step(action.numpy())
            returns_seen.extend(finished.tolist())
            rew_b[t] = torch.from_numpy(r)
            obs, done = torch.from_numpy(env.obs()), torch.from_numpy(d.astype(np.float32))
        with torch.no_grad():
            next_value = critic(obs).squeeze(-1)
            adv = torch.zeros_like(rew_b)
            last = torch.zeros(envs_n)
            for t in reversed(range(steps)):
                nonterminal = 1.0 - (done if t == steps - 1 else done_b[t + 1])
                nv = next_value if t == steps - 1 else val_b[t + 1]
                delta = rew_b[t] + gamma * nv * nonterminal - val_b[t]
                last = delta + gamma * lam * nonterminal * last
                adv[t] = last
            ret = adv + val_b
        b_obs, b_act, b_logp = obs_b.reshape(-1, 4), act_b.reshape(-1), logp_b.reshape(-1)
        b_adv, b_ret, b_val = adv.reshape(-1), ret.reshape(-1), val_b.reshape(-1)
        for _ in range(epochs):
            perm = torch.randperm(batch)
            for s in range(0, batch, mb):
                i = perm[s:s + mb]
                dist = torch.distributions.Categorical(logits=actor(b_obs[i]))
                new_logp = dist.log_prob(b_act[i])
                ratio = (new_logp - b_logp[i]).exp()
                ma = b_adv[i]
                ma = (ma - ma.mean()) / (ma.std() + 1e-8)
                pg = torch.max(-ma * ratio, -ma * ratio.clamp(1 - clip, 1 + clip)).mean()
                v = critic(b_obs[i]).squeeze(-1)
                v_clipped = b_val[i] + (v - b_val[i]).clamp(-clip, clip)
                v_loss = 0.5 * torch.max((v - b_ret[i]) ** 2, (v_clipped - b_ret[i]) ** 2).mean()
                loss = pg - ent * dist.entropy().mean() + vf * v_loss
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(params, max_norm)
                opt.step()
        if step >= next_report and returns_seen:
            print(f"  step {step}: return {np.mean(returns_seen[-20:]):.1f} ({time.time() - start:.1f} s)", flush=True)
            next_report += 50000
    wall = time.time() - start
    final = np.mean(returns_seen[-20:]) if returns_seen else float("nan")
    print(f"PyTorch {torch.__version__} CleanRL-style ppo.py, seed {a.seed}, {step} steps: final return (last 20 episodes) "
          f"{final:.1f}; wall {wall:.1f} s; {step / wall:.0f} env-steps/s", flush=True)


if __name__ == "__main__":
    main()
