use auth_vendors::Modulus;

fn main() {
    let _credentials = Modulus::credentials().app("my-app").build();
}
