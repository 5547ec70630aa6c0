using System.Reflection;
using System.Runtime.Loader;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.PackageManagement;

namespace LatentLab.Packaging.Tests;

/// <summary>
/// A small stand-in for the extension loader of the dotnet-interactive tool (which is not a library): after
/// `#r "nuget:"` resolves packages, it references their assemblies in the C# kernel, loads every public
/// <see cref="IKernelExtension"/> from each package's interactive-extensions/dotnet/*.dll, and calls OnLoadAsync
/// with the root kernel, as the real hosts do.
/// </summary>
public sealed class NuGetExtensionLoader
{
    private readonly Dictionary<string, string> _assemblyPaths = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _loadedExtensionFiles = new(StringComparer.Ordinal);

    public NuGetExtensionLoader()
    {
        // Dependencies of an extension (LatentLab.dll, TorchSharp.dll, ...) live in the NuGet cache, not next to
        // the test: resolve them from the packages that #r restored.
        AssemblyLoadContext.Default.Resolving += (context, name) =>
            name.Name is { } simple && _assemblyPaths.TryGetValue(simple, out var path) ? context.LoadFromAssemblyPath(path) : null;
    }

    public List<ResolvedPackageReference> ResolvedPackages { get; } = [];

    public List<(string File, Type Extension)> LoadedExtensions { get; } = [];

    public CompositeKernel CreateKernel()
    {
        var csharp = new CSharpKernel()
            .UseNugetDirective<CSharpKernel>(OnPackagesResolvedAsync, forceRestore: false)
            .UseKernelHelpers()
            .UseValueSharing();
        var composite = new CompositeKernel { csharp };
        composite.DefaultKernelName = "csharp";
        return composite;
    }

    private async Task OnPackagesResolvedAsync(CSharpKernel kernel, IReadOnlyList<ResolvedPackageReference> packages)
    {
        ResolvedPackages.AddRange(packages);
        foreach (var path in packages.SelectMany(p => p.AssemblyPaths))
        {
            _assemblyPaths.TryAdd(Path.GetFileNameWithoutExtension(path), path);
        }

        kernel.AddAssemblyReferences(packages.SelectMany(p => p.AssemblyPaths));

        foreach (var package in packages)
        {
            var directory = Path.Combine(package.PackageRoot, "interactive-extensions", "dotnet");
            if (!Directory.Exists(directory))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(directory, "*.dll").Order(StringComparer.Ordinal))
            {
                if (!_loadedExtensionFiles.Add(file))
                {
                    continue;
                }

                var assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(file);
                foreach (var type in assembly.GetExportedTypes().Where(IsExtension))
                {
                    var extension = (IKernelExtension)Activator.CreateInstance(type)!;
                    await extension.OnLoadAsync(kernel.RootKernel);
                    LoadedExtensions.Add((file, type));
                }
            }
        }
    }

    private static bool IsExtension(Type type) =>
        typeof(IKernelExtension).IsAssignableFrom(type) && type is { IsClass: true, IsAbstract: false } && type.GetConstructor(Type.EmptyTypes) is not null;
}
