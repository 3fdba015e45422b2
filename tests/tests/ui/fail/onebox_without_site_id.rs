use auth_runtime::vendors::OneBox;

fn main() {
    let _credentials = OneBox::credentials()
        .email("userdemo@gmail.com")
        .password("userdemo")
        .build();
}
