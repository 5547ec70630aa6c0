using LatentLab.Reinforcement;

namespace LatentLab.Tests.Reinforcement;

/// <summary>Gym CartPole-v1 dynamics, checked against steps worked by hand from Gym's equations.</summary>
public class CartPoleTests
{
    static (double, double, double, double) Step(CartPole env, int action, out bool done, out double finished)
    {
        var r = new float[1]; var d = new bool[1]; var f = new double[1];
        env.Step([action], r, d, f);
        Assert.Equal(1f, r[0]);
        done = d[0];
        finished = f[0];
        return env.State(0);
    }

    static void Near((double, double, double, double) expected, (double, double, double, double) actual, int digits = 9)
    {
        Assert.Equal(expected.Item1, actual.Item1, digits);
        Assert.Equal(expected.Item2, actual.Item2, digits);
        Assert.Equal(expected.Item3, actual.Item3, digits);
        Assert.Equal(expected.Item4, actual.Item4, digits);
    }

    [Fact]
    public void FromRest_PushRight_MatchesHandComputedEulerSteps()
    {
        var env = new CartPole(1, 0);
        env.SetState(0, 0, 0, 0, 0);
        // temp = 10 / 1.1; thetaacc = -temp / (0.5 (4/3 - 0.1 / 1.1)) = -14.634146; xacc = temp + 0.05 * 14.634146 / 1.1 = 9.756098.
        // Euler: positions move with the old velocities, velocities by tau * acceleration.
        Near((0.0, 0.02 * 9.7560976, 0.0, 0.02 * -14.6341463), Step(env, 1, out var done, out _), 6);
        Assert.False(done);
        Near((0.0039024390243902443, 0.3902439024390244, -0.005853658536585366, -0.5853658536585366), Step(env, 1, out _, out _));
    }

    [Fact]
    public void TiltedState_PushLeft_MatchesGymsEquations()
    {
        var env = new CartPole(1, 0);
        env.SetState(0, 0.01, -0.02, 0.03, 0.04);
        Near((0.0096, -0.21553901710278936, 0.0308, 0.3419952237760392), Step(env, 0, out _, out _));
    }

    [Fact]
    public void PastTwelveDegrees_Terminates_WithRewardOne_AndResets()
    {
        var env = new CartPole(1, 0);
        env.SetState(0, 0, 0, 0.2, 1.0);                     // theta becomes 0.22 > 12 degrees (0.2094)
        var s = Step(env, 1, out var done, out var finished);
        Assert.True(done);
        Assert.Equal(1.0, finished);
        Assert.All(new[] { s.Item1, s.Item2, s.Item3, s.Item4 }, v => Assert.InRange(v, -0.05, 0.05));
    }

    [Fact]
    public void ABalancingController_IsTruncatedAtFiveHundredSteps()
    {
        var env = new CartPole(1, 3);
        bool done = false;
        double finished = double.NaN;
        int steps = 0;
        while (!done && steps < 1000)
        {
            var (x, xDot, theta, thetaDot) = env.State(0);
            Step(env, theta + 0.5 * thetaDot + 0.01 * x + 0.1 * xDot > 0 ? 1 : 0, out done, out finished);
            steps++;
        }
        Assert.Equal(CartPole.MaxSteps, steps);
        Assert.Equal(500.0, finished);
    }

    [Fact]
    public void InvalidAction_IsRejectedWithTheValidOnes()
    {
        var env = new CartPole(1, 0);
        var e = Assert.Throws<ArgumentException>(() => env.Step([2], new float[1], new bool[1], new double[1]));
        Assert.Contains("0 (left) and 1 (right)", e.Message);
    }
}
