faas::main!();
