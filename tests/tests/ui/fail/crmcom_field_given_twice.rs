use auth_vendors::CrmCom;

fn main() {
    let _credentials = CrmCom::credentials()
        .organisation("CRMDEMO")
        .organisation("OTHER")
        .authentication_code("code")
        .build();
}
