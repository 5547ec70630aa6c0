using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;

namespace LatentLab.Torch;

/// <summary>
/// The one door to TorchSharp: makes its native libraries load on this system (see <see cref="NativeCompatibility"/>;
/// CPU or CUDA libtorch, see <see cref="NativeLocator"/>), sets the math libraries' kernel choice before they load,
/// chooses devices, seeds, and holds torch's thread count for one run at a time (<see cref="UseThreads"/>). Every
/// LatentLab entry point that touches torch calls <see cref="EnsureInitialized"/> first.
/// </summary>
public static class TorchRuntime
{
    static readonly object Gate = new();
    static bool _initialized;
    static TorchSetupException? _failure;
    static LibTorchLocation? _libTorch;

    /// <summary>What was done to load the natives (for the help card), e.g. "patched copy in ~/.cache/latentlab/natives/…".</summary>
    public static string NativeStatus { get; private set; } = "not initialised";

    /// <summary>
    /// Loads TorchSharp's natives once per process. Throws <see cref="TorchSetupException"/> with a message that names the
    /// missing library version and the fix when that is impossible; the same message on every later call.
    /// </summary>
    public static void EnsureInitialized()
    {
        lock (Gate)
        {
            if (_initialized) return;
            if (_failure is not null) throw new TorchSetupException(_failure.Message, _failure);
            try
            {
                PrepareNatives();
                InitializeBackend();
                _initialized = true;
            }
            catch (TorchSetupException e)
            {
                _failure = e;
                throw;
            }
            catch (Exception e)
            {
                var root = e is TypeInitializationException { InnerException: { } inner } ? inner : e;
                var backend = _libTorch is { IsCuda: true }
                    ? $"the CUDA libtorch LatentLab found ({string.Join(", ", _libTorch.Directories)}; {_libTorch.Source}) " +
                      $"restored completely and matches TorchSharp's version, or set {NativeLocator.BackendVariable}=cpu to use the CPU build."
                    : "the libtorch backend package (libtorch-cpu-linux-x64, or the CUDA one that replaces it) restored completely.";
                _failure = new TorchSetupException(
                    "TorchSharp's native libraries failed to load: " + FirstLine(root.Message) +
                    " If a TorchSharp call ran before LatentLab was loaded, restart the kernel and load LatentLab first; " +
                    "otherwise check that " + backend, e);
                throw _failure;
            }
        }
    }

    static void PrepareNatives()
    {
        DefaultOpenMpWaitPolicy();
        DefaultReproducibleKernels();
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            NativeStatus = "loaded by TorchSharp (no fix needed on this platform)";
            return;
        }
        var lib = NativeLocator.FindLibTorchSharp();
        _libTorch = NativeLocator.FindLibTorch(lib);
        var stdcxx = NativeLocator.FindSystemLibStdCxx();
        if (lib is null || stdcxx is null)
        {
            NativeStatus = "loaded by TorchSharp (native library or libstdc++ not found to inspect)";
            return;
        }
        var library = ElfImage.Read(lib);
        var assessment = NativeCompatibility.Assess(library, ElfImage.Read(stdcxx));
        // The user's own libtorch folder is honoured even where no fix is needed: TorchSharp would not look there.
        bool userFolder = _libTorch?.Source == NativeLocator.LibTorchDirVariable;
        switch (assessment.Fix)
        {
            case NativeFix.None when !userFolder:
                NativeStatus = $"loaded by TorchSharp (system libstdc++ provides every needed version, up to {assessment.NewestSystemVersion})";
                return;
            case NativeFix.Impossible:
                throw new TorchSetupException(assessment.Explain());
        }
        var libtorch = _libTorch ?? throw new TorchSetupException(
            $"TorchSharp's native library '{lib}' was found but no libtorch build ({NativeLocator.LibTorchCpuFile}) to go with it. " +
            "Reference a libtorch backend package of the version this TorchSharp expects: libtorch-cpu-linux-x64 (LatentLab's default) " +
            $"or, for a GPU, libtorch-cuda-12.8-linux-x64 / TorchSharp-cuda-linux; or set {NativeLocator.LibTorchDirVariable} to a folder holding libtorch_cpu.so.");
        var folder = PatchedNatives.Prepare(library, libtorch, assessment.MissingVersions);
        var handle = NativeLibrary.Load(Path.Combine(folder, NativeLocator.LibTorchSharpFile));
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(torch).Assembly,
                (name, _, _) => name == "LibTorchSharp" ? handle : IntPtr.Zero);
        }
        catch (InvalidOperationException)
        {
            // TorchSharp (or the host) set its own resolver; the preloaded library is still found by its soname.
        }
        NativeStatus = (assessment.MissingVersions.Count == 0
                           ? "private copy (unchanged: system libstdc++ provides every needed version)"
                           : $"patched copy (weak {string.Join(", ", assessment.MissingVersions)}; system libstdc++ stops at {assessment.NewestSystemVersion})") +
                       $" in {folder}, linked to the {libtorch.Kind} ({libtorch.Source})";
    }

    /// <summary>
    /// Loads the backend. When a CUDA libtorch is on disk, TorchSharp loads it first (torch_cuda before LibTorchSharp; in a
    /// notebook it gathers the CUDA packages' libraries), as TorchSharp asks of scripts and notebooks: once the CPU build
    /// is loaded, CUDA cannot come in any more. Without a GPU the CUDA build still runs on the CPU.
    /// </summary>
    static void InitializeBackend()
    {
        if (_libTorch is { IsCuda: true }) InitializeCudaBackend();
        InitializeCpuBackend();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void InitializeCudaBackend() => torch.TryInitializeDeviceType(DeviceType.CUDA);

    /// <summary>
    /// Sets OMP_WAIT_POLICY=PASSIVE in the native environment before libtorch (and its libgomp) loads, unless the user set
    /// it. libgomp's default lets idle threads spin: on a machine whose cores other jobs hold, 2 torch threads then ran
    /// 10x or more slower than 1 (the probe sweep, tiny cot-synthetic training), while PASSIVE kept 2 threads as fast as on
    /// an idle machine. libgomp reads the variable once, when it loads,
    /// so it has to be set through libc here; .NET's Environment.SetEnvironmentVariable does not reach native code.
    /// </summary>
    static void DefaultOpenMpWaitPolicy() => DefaultNativeVariable("OMP_WAIT_POLICY", "PASSIVE");

    /// <summary>
    /// What <see cref="DefaultReproducibleKernels"/> did, for the help card: e.g. "AVX2 code paths (MKL_CBWR=AVX2, ...)".
    /// </summary>
    public static string KernelSettings { get; private set; } = "not initialised";

    /// <summary>
    /// The variables <see cref="DefaultReproducibleKernels"/> set itself (not the user's), which child processes inherit: a
    /// benchmark removes them from a peer's environment so that the peer runs with its libraries' own kernel choice.
    /// </summary>
    public static IReadOnlyList<string> KernelVariablesSet { get; private set; } = [];

    /// <summary>The variables that make the math libraries pick AVX2 code on any x86-64 CPU that has it.</summary>
    static readonly (string Name, string Value)[] Avx2Kernels =
    [
        ("MKL_CBWR", "AVX2"),               // MKL's conditional numerical reproducibility: the AVX2 branch on every CPU
        ("ONEDNN_MAX_CPU_ISA", "AVX2"),     // oneDNN (convolutions, some matmuls): no AVX-512 / AMX kernels
        ("ATEN_CPU_CAPABILITY", "avx2"),    // libtorch's own vectorised kernels (elementwise, reductions, activations)
    ];

    /// <summary>
    /// Makes the same seed and thread count give the same numbers on any x86-64 machine with AVX2, not only on one CPU
    /// model: MKL, oneDNN and libtorch otherwise pick their kernels by CPU (AVX-512 where present), and different kernels
    /// round differently. Sets each variable of <see cref="Avx2Kernels"/> before libtorch loads, only where the user has
    /// not set it (set any of them yourself to choose otherwise, or LATENTLAB_REPRODUCIBLE_KERNELS=0 to leave all three
    /// to the libraries). Linux x86-64 with AVX2 only (elsewhere the libraries choose).
    /// </summary>
    static void DefaultReproducibleKernels()
    {
        if (Environment.GetEnvironmentVariable("LATENTLAB_REPRODUCIBLE_KERNELS") == "0")
        {
            KernelSettings = "chosen by the libraries for this CPU (LATENTLAB_REPRODUCIBLE_KERNELS=0)";
            return;
        }
        if (!OperatingSystem.IsLinux() || !System.Runtime.Intrinsics.X86.Avx2.IsSupported)
        {
            KernelSettings = "chosen by the libraries (LatentLab sets them on Linux x86-64 with AVX2 only)";
            return;
        }
        var setNames = Avx2Kernels.Where(v => DefaultNativeVariable(v.Name, v.Value)).ToList();
        KernelVariablesSet = setNames.Select(v => v.Name).ToArray();
        var set = setNames.Select(v => $"{v.Name}={v.Value}").ToList();
        var user = Avx2Kernels.Where(v => !set.Contains($"{v.Name}={v.Value}"))
            .Select(v => $"{v.Name}={Environment.GetEnvironmentVariable(v.Name) ?? "?"} (yours)").ToList();
        KernelSettings = "AVX2 code paths, the same on any x86-64 CPU with AVX2: " + string.Join(", ", set.Concat(user));
    }

    /// <summary>Sets <paramref name="name"/> in the native environment unless it is set; true when this call set it.</summary>
    static bool DefaultNativeVariable(string name, string value)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())) return false;
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name))) return false;
        try
        {
            if (SetEnv(name, value, 0) != 0) return false;
            Environment.SetEnvironmentVariable(name, value);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;   // no libc setenv to call: keep the library's default
        }
    }

    [DllImport("libc", EntryPoint = "setenv")]
    static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void InitializeCpuBackend() => torch.InitializeDeviceType(DeviceType.CPU);

    /// <summary>
    /// Parses a user's device option: <c>auto</c> (CUDA when available, else CPU), <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.
    /// Throws <see cref="ArgumentException"/> naming the option and the fix for an unknown value or a missing GPU.
    /// </summary>
    public static torch.Device ResolveDevice(string? spec)
    {
        EnsureInitialized();
        var s = (spec ?? "auto").Trim().ToLowerInvariant();
        if (s is "" or "auto") return CudaAvailable() ? torch.CUDA : torch.CPU;
        if (s == "cpu") return torch.CPU;
        if (s == "cuda" || s.StartsWith("cuda:", StringComparison.Ordinal))
        {
            int index = 0;
            if (s.Length > 5 && (!int.TryParse(s[5..], out index) || index < 0))
                throw new ArgumentException($"--device '{spec}' is not a valid CUDA device: use cuda or cuda:N with N = 0, 1, ...");
            if (!CudaAvailable())
                throw new ArgumentException(
                    $"--device {spec} was asked for, but no CUDA device is available here: " + (_libTorch switch
                    {
                        { IsCuda: true } => "the CUDA build of libtorch is loaded but finds no GPU (check the NVIDIA driver with nvidia-smi). ",
                        { IsCuda: false } => "the libtorch in use is the CPU build (libtorch-cpu-linux-x64). ",
                        null => "this TorchSharp build or machine has no GPU support. ",
                    }) +
                    "Use --device cpu (or auto, which picks CUDA when there is one); for a GPU, replace LatentLab's CPU backend " +
                    "with libtorch-cuda-12.8-linux-x64 (or TorchSharp-cuda-linux) as the README's GPU section shows, on a machine with an NVIDIA driver.");
            int count = torch.cuda.device_count();
            if (index >= count)
                throw new ArgumentException($"--device {spec}: there are only {count} CUDA device(s) (cuda:0 to cuda:{count - 1}).");
            return new torch.Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"--device '{spec}' is not known: use auto, cpu, cuda or cuda:N.");
    }

    /// <summary>True when LatentLab found the CUDA build of libtorch and had TorchSharp load it (Linux x64).</summary>
    public static bool LoadedCudaBuild { get { EnsureInitialized(); return _libTorch is { IsCuda: true }; } }

    /// <summary>True when a CUDA device can be used.</summary>
    public static bool CudaAvailable()
    {
        EnsureInitialized();
        try { return torch.cuda.is_available(); }
        catch (Exception) { return false; }
    }

    static readonly object GlobalGeneratorGate = new();

    /// <summary>
    /// Runs <paramref name="create"/> (typically a module constructor, whose default initialisation draws from torch's global
    /// generator) while no other LatentLab code draws from that generator, first seeding it with <paramref name="seed"/> when
    /// given. Seeding and drawing are one step, so a module created at the same time on another thread (a checkpoint being
    /// loaded, a test running in parallel) cannot take draws between the seed and this module's initial weights.
    /// </summary>
    public static T WithGlobalGenerator<T>(long? seed, Func<T> create)
    {
        EnsureInitialized();
        lock (GlobalGeneratorGate)
        {
            if (seed is { } s) torch.manual_seed(s);
            return create();
        }
    }

    /// <summary>Seeds every torch generator (CPU and all CUDA devices): same seed, same device, same numbers.</summary>
    public static void Seed(long seed)
    {
        EnsureInitialized();
        torch.manual_seed(seed);
    }

    /// <summary>
    /// Sets torch's intra-op thread count to <paramref name="threads"/> (0 keeps the current count) for one run and holds
    /// it: the returned scope takes a process-wide lock, so no other LatentLab run (another notebook cell's thread, a test
    /// class running in parallel) changes the count or runs at another count until the scope is disposed, which restores
    /// the previous count. Every trainer, evaluator and sweep runs inside one. While it waits for another run's scope,
    /// cancelling <paramref name="cancellationToken"/> throws <see cref="OperationCanceledException"/>. The count changes floating-point results (reductions split differently), so
    /// "same seed, same numbers" holds for a given count; LatentLab's small models also run fastest on one thread here.
    /// Use it around synchronous code and dispose it on the same thread. 0 keeps this thread's count, which a thread
    /// takes from the last count set anywhere when it first uses torch (libtorch's OpenMP build keeps one per thread):
    /// pass a count when numbers must repeat, as every LatentLab options record does by default (1).
    /// </summary>
    public static ThreadScope UseThreads(int threads, CancellationToken cancellationToken = default)
    {
        if (threads < 0) throw new ArgumentException($"--threads {threads}: use 0 (keep the current setting) or a positive count.", nameof(threads));
        EnsureInitialized();
        return new ThreadScope(threads, cancellationToken);
    }

    /// <summary>Versions and compute resources, for help cards and checkpoint metadata.</summary>
    public static RuntimeInfo Describe()
    {
        EnsureInitialized();
        var torchSharp = typeof(torch).Assembly.GetName().Version?.ToString(3) ?? "unknown";
        bool cuda = CudaAvailable();
        return new RuntimeInfo(
            LatentLab: NativeLocator.LatentLabVersion,
            TorchSharp: torchSharp,
            LibTorch: torch.__version__,
            CudaAvailable: cuda,
            CudaDeviceCount: cuda ? torch.cuda.device_count() : 0,
            Threads: torch.get_num_threads(),
            NativeStatus: NativeStatus,
            Kernels: KernelSettings);
    }

    static string FirstLine(string s)
    {
        var line = s.Split('\n')[0].Trim();
        return line.EndsWith('.') ? line : line + ".";
    }
}
