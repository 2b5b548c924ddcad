
// Experiments: the glue between the modules — loading what a command or a config names,
// running estimators against measurements, and writing results, tables and figures.
