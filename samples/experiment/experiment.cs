#!/usr/bin/env -S dotnet run
// A LatentLab experiment as a .NET 10 file-based app: no project, no notebook.
//   bash nuget/pack.sh                       (once: puts LatentLab into nuget/feed, see nuget.config here)
//   dotnet run samples/experiment/experiment.cs -- --steps 300
// The version below floats to the newest 0.1.0-dev pack in the feed; pin an exact version for work you publish.
#:package LatentLab@0.1.0-dev.*
// File-based apps default to native AOT, which turns off reflection-based JSON; LatentLab's checkpoints use it.
#:property PublishAot=false

using LatentLab.Imitation;
using LatentLab.Bandits;
using LatentLab.Options;
using LatentLab.Reports;
using LatentLab.Torch;

// The same records the notebook commands and the latentlab tool read: flags here parse through the record's own schema.
var flags = args.Chunk(2).Select(p => new KeyValuePair<string, string?>(p[0], p.Length > 1 ? p[1] : null));
var training = OptionSchema.For<BanditTrainingOptions>().With(new BanditTrainingOptions { Arms = 5, TrainHorizon = 50, Steps = 200, Batch = 64, Seed = 0 }, flags);
var device = TorchRuntime.ResolveDevice("cpu");

using var student = BanditTrainer.Train(training, device);
Console.WriteLine($"trained {student.StepsCompleted} steps in {ReportFormat.Duration(student.TrainingTime)}, agreement with UCB1 {student.Final?.Agreement:0.000}");
var evaluation = StudentEvaluator.Evaluate(new BanditEvaluationOptions { Horizon = 100, Episodes = 500, Seed = 1 }, student, device);

foreach (var s in evaluation.Summaries)
    Console.WriteLine($"{s.Policy,-12} regret at t={evaluation.Horizon}: {ReportFormat.CiText(s.RegretAtEnd)}");
student.Save("student.ckpt");
Microsoft.Data.Analysis.DataFrame.SaveCsv(evaluation.ToDataFrame(), "evaluation.csv");
Console.WriteLine("wrote student.ckpt and evaluation.csv");
