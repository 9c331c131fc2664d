// Metrics.Contracts holds only code generated from proto/; see the project file.
[assembly: System.CLSCompliant(false)]
