// The members of a CRM.COM alternative require each other both ways: a `password`
// without `username`, a `pass_code` without `identifier`.
use auth_vendors::CrmCom;

fn password_alone() {
    let _ = CrmCom::credentials().organisation("O").password("p").build();
}

fn pass_code_alone() {
    let _ = CrmCom::credentials().organisation("O").pass_code("p").build();
}

fn main() {
    password_alone();
    pass_code_alone();
}
