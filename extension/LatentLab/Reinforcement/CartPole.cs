namespace LatentLab.Reinforcement;

/// <summary>
/// N CartPole-v1 environments with Gym's dynamics (classic_control/cartpole.py: Euler integration, tau 0.02, force 10,
/// cart 1.0 kg, pole 0.1 kg, half-length 0.5, terminated beyond |x| 2.4 or |theta| 12 degrees, reward 1 per step including
/// the last, truncated at 500 steps), with auto-reset as Gym's vector environments do: after a done step the returned
/// observation is the first of the next episode. State in double precision as Gym keeps it; observations as float.
/// </summary>
public sealed class CartPole
{
    /// <summary>Gym's constants.</summary>
    public const double Gravity = 9.8, MassCart = 1.0, MassPole = 0.1, Length = 0.5, ForceMag = 10.0, Tau = 0.02;
    /// <summary>Termination thresholds: |x| &gt; 2.4, |theta| &gt; 12 degrees.</summary>
    public const double XThreshold = 2.4, ThetaThreshold = 12 * 2 * Math.PI / 360;
    /// <summary>Episode length limit of CartPole-v1.</summary>
    public const int MaxSteps = 500;
    const double TotalMass = MassCart + MassPole, PoleMassLength = MassPole * Length;

    readonly Random _random;
    readonly double[] _state;   // (N, 4) row-major: x, x_dot, theta, theta_dot
    readonly int[] _length;
    readonly double[] _return;

    /// <summary>Number of environments.</summary>
    public int Count { get; }

    /// <summary>N environments, reset with states ~ U(-0.05, 0.05) drawn from a generator seeded by <paramref name="seed"/>.</summary>
    public CartPole(int count, int seed)
    {
        if (count < 1) throw new ArgumentException($"count = {count}: use at least one environment.");
        Count = count;
        _random = new Random(seed);
        _state = new double[count * 4];
        _length = new int[count];
        _return = new double[count];
        for (int i = 0; i < count; i++) Reset(i);
    }

    /// <summary>The state of environment <paramref name="i"/>: (x, x_dot, theta, theta_dot).</summary>
    public (double X, double XDot, double Theta, double ThetaDot) State(int i) => (_state[4 * i], _state[4 * i + 1], _state[4 * i + 2], _state[4 * i + 3]);

    /// <summary>Sets environment <paramref name="i"/>'s state (for tests and replays); its step count restarts at 0.</summary>
    public void SetState(int i, double x, double xDot, double theta, double thetaDot)
    {
        _state[4 * i] = x; _state[4 * i + 1] = xDot; _state[4 * i + 2] = theta; _state[4 * i + 3] = thetaDot;
        _length[i] = 0;
        _return[i] = 0;
    }

    void Reset(int i)
    {
        for (int j = 0; j < 4; j++) _state[4 * i + j] = _random.NextDouble() * 0.1 - 0.05;
        _length[i] = 0;
        _return[i] = 0;
    }

    /// <summary>Observations (N * 4) as float, row-major.</summary>
    public float[] Observe()
    {
        var obs = new float[_state.Length];
        for (int j = 0; j < obs.Length; j++) obs[j] = (float)_state[j];
        return obs;
    }

    /// <summary>
    /// Steps every environment with its action (0 pushes left, 1 right). Writes the reward (always 1) and done flag
    /// (terminated or truncated) per environment, and the finished episodes' returns into <paramref name="finished"/>
    /// (NaN where none finished). Done environments are reset.
    /// </summary>
    public void Step(ReadOnlySpan<int> actions, Span<float> rewards, Span<bool> done, Span<double> finished)
    {
        if (actions.Length != Count) throw new ArgumentException($"{actions.Length} actions for {Count} environments.");
        for (int i = 0; i < Count; i++)
        {
            if (actions[i] is not (0 or 1)) throw new ArgumentException($"action {actions[i]} of environment {i}: CartPole's actions are 0 (left) and 1 (right).");
            ref double x = ref _state[4 * i], xDot = ref _state[4 * i + 1], theta = ref _state[4 * i + 2], thetaDot = ref _state[4 * i + 3];
            double force = actions[i] == 1 ? ForceMag : -ForceMag;
            double cos = Math.Cos(theta), sin = Math.Sin(theta);
            double temp = (force + PoleMassLength * thetaDot * thetaDot * sin) / TotalMass;
            double thetaAcc = (Gravity * sin - cos * temp) / (Length * (4.0 / 3.0 - MassPole * cos * cos / TotalMass));
            double xAcc = temp - PoleMassLength * thetaAcc * cos / TotalMass;
            x += Tau * xDot;
            xDot += Tau * xAcc;
            theta += Tau * thetaDot;
            thetaDot += Tau * thetaAcc;
            bool terminated = x < -XThreshold || x > XThreshold || theta < -ThetaThreshold || theta > ThetaThreshold;
            _length[i]++;
            _return[i] += 1;
            rewards[i] = 1f;
            bool truncated = _length[i] >= MaxSteps;
            done[i] = terminated || truncated;
            finished[i] = done[i] ? _return[i] : double.NaN;
            if (done[i]) Reset(i);
        }
    }
}
