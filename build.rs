fn main() {
    println!("cargo::rerun-if-changed=migrations");
    retort_build::report(retort_build::compile("migrations"));
}
