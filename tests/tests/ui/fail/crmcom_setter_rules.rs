// Every CRM.COM rule refused at a setter, one per function: each field given twice,
// each alternative's member after another alternative. (`organisation` given twice and
// `authentication_code` after `username` + `password` have their own cases.)
use auth_vendors::CrmCom;

fn username_twice() {
    let _ = CrmCom::credentials().organisation("O").username("a").username("b").password("p").build();
}

fn password_twice() {
    let _ = CrmCom::credentials().organisation("O").username("u").password("a").password("b").build();
}

fn authentication_code_twice() {
    let _ = CrmCom::credentials().organisation("O").authentication_code("a").authentication_code("b").build();
}

fn identifier_twice() {
    let _ = CrmCom::credentials().organisation("O").identifier("a").identifier("b").pass_code("p").build();
}

fn pass_code_twice() {
    let _ = CrmCom::credentials().organisation("O").identifier("i").pass_code("a").pass_code("b").build();
}

fn unit_twice() {
    let _ = CrmCom::credentials().organisation("O").authentication_code("c").unit("a").unit("b").build();
}

fn username_after_another_alternative() {
    let _ = CrmCom::credentials().authentication_code("c").username("u");
}

fn password_after_another_alternative() {
    let _ = CrmCom::credentials().identifier("i").password("p");
}

fn identifier_after_another_alternative() {
    let _ = CrmCom::credentials().authentication_code("c").identifier("i");
}

fn pass_code_after_another_alternative() {
    let _ = CrmCom::credentials().username("u").pass_code("p");
}

fn main() {
    username_twice();
    password_twice();
    authentication_code_twice();
    identifier_twice();
    pass_code_twice();
    unit_twice();
    username_after_another_alternative();
    password_after_another_alternative();
    identifier_after_another_alternative();
    pass_code_after_another_alternative();
}
