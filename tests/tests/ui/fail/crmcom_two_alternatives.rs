use auth_vendors::CrmCom;

fn main() {
    let _credentials = CrmCom::credentials()
        .organisation("CRMDEMO")
        .username("mpadministrator")
        .password("1234")
        .authentication_code("code")
        .build();
}
