using LatentLab.Activations;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.DotNet.Interactive;

namespace LatentLab.Interactive.Commands;

/// <summary>
/// What <c>#!probe-sweep --activations</c> names: a C# variable holding an <see cref="ActivationSet"/> (e.g. from
/// <c>#!cot-synthetic --out acts</c>) or a file (.npy, .npz, .safetensors) loaded with <see cref="ActivationSet.Load"/>.
/// A file's set is owned (disposed after the sweep); a variable's set belongs to the notebook.
/// </summary>
public sealed record ProbeActivationSource(ActivationSet Set, bool Owned, string Description)
{
    const string HowToCreate =
        "Create one with #!cot-synthetic --out acts, or in C# with ActivationSet.Load(\"acts.npy\", labels: \"labels.npy\"), " +
        "or pass a file: --activations acts.npy --labels labels.npy.";

    /// <summary>Finds the variable or loads the file; throws <see cref="CommandException"/> / <see cref="ActivationFileException"/> with a message saying what to do.</summary>
    public static ProbeActivationSource Resolve(KernelInvocationContext context, string? activations, string? labels, string? groups, string? baseline)
    {
        if (string.IsNullOrWhiteSpace(activations))
            throw new CommandException("--activations is required: a .npy / .npz / .safetensors file of shape (N, L, P, D), " +
                                       "or the name of a C# variable holding an ActivationSet. " + HowToCreate);
        var name = activations.Trim();
        var looksLikeVariable = SyntaxFacts.IsValidIdentifier(name) && SyntaxFacts.GetKeywordKind(name) == SyntaxKind.None;
        if (looksLikeVariable && !File.Exists(name))
        {
            ActivationSet set;
            try
            {
                set = ResultBinding.GetVariable<ActivationSet>(context, "--activations", name,
                    recreate: $"run #!cot-synthetic --out {name} again (or the cell that made it), or load it with ActivationSet.Load(path)");
            }
            catch (CommandException e) when (Directory.Exists(name))
            {
                throw new CommandException($"--activations {name}: '{name}' is a directory, give a file: the .npy / .npz / .safetensors file inside it " +
                                           $"(e.g. --activations {name}/acts.npy). There is no usable C# variable of that name either ({e.Message})", e);
            }
            catch (CommandException e)
            {
                throw new CommandException($"{e.Message} No file named '{name}' exists either. {HowToCreate}", e);
            }
            if (labels is not null || groups is not null || baseline is not null)
                throw new CommandException($"--activations {name} is an ActivationSet that already has its labels, groups and baseline; " +
                                           "--labels, --groups and --baseline apply only when --activations is a file. Leave them out.");
            return new ProbeActivationSource(set, Owned: false, $"variable {name}");
        }
        return new ProbeActivationSource(ActivationSet.Load(name, labels, groups, baseline), Owned: true, name);
    }
}
