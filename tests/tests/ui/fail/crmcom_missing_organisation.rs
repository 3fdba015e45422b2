use auth_runtime::vendors::CrmCom;

fn main() {
    let _credentials = CrmCom::credentials()
        .authentication_code("code")
        .build();
}
