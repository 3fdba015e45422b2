// Each of CRM.COM's three credential forms builds, with and without `unit`.
use auth_vendors::CrmCom;

fn main() {
    let _by_password = CrmCom::credentials()
        .organisation("CRMDEMO")
        .username("mpadministrator")
        .password("1234")
        .build();
    let _by_code = CrmCom::credentials()
        .organisation("CRMDEMO")
        .authentication_code("code")
        .unit("EE63A82C4FEBE02FF34E90DD1EBA5ABE")
        .build();
    // Setters in any order.
    let _by_identifier = CrmCom::credentials()
        .pass_code("secret")
        .identifier("id")
        .organisation("CRMDEMO")
        .build();
}
