use auth_vendors::OneBox;

fn main() {
    let _credentials = OneBox::credentials()
        .email("userdemo@gmail.com")
        .password("userdemo")
        .build();
}
