use auth_vendors::CrmCom;

fn main() {
    let _credentials = CrmCom::credentials()
        .authentication_code("code")
        .build();
}
