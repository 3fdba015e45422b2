use auth_runtime::vendors::Modulus;

fn main() {
    let _credentials = Modulus::credentials().app("my-app").build();
}
